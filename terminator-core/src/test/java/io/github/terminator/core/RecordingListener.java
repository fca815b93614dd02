package io.github.terminator.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link TerminationListener} that records every call, in order.
 */
class RecordingListener implements TerminationListener {

	private final List<TerminationPhase> phases = new CopyOnWriteArrayList<>();

	private final List<TerminationResult> results = new CopyOnWriteArrayList<>();

	@Override
	public void phaseStarted(TerminationPhase phase) {
		this.phases.add(phase);
	}

	@Override
	public void terminated(TerminationResult result) {
		this.results.add(result);
	}

	List<TerminationPhase> phases() {
		return this.phases;
	}

	List<TerminationResult> results() {
		return this.results;
	}

}
