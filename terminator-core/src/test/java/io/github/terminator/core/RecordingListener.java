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

	private final List<String> drainStarts = new CopyOnWriteArrayList<>();

	private volatile Runnable onDrainStarted = () -> {
	};

	@Override
	public void drainStarted() {
		this.drainStarts.add(Thread.currentThread().getName());
		this.onDrainStarted.run();
	}

	@Override
	public void terminated(TerminationResult result) {
		this.results.add(result);
	}

	List<TerminationPhase> phases() {
		return this.phases;
	}

	/** The threads {@link #drainStarted()} was called on, one entry a call. */
	List<String> drainStarts() {
		return this.drainStarts;
	}

	void onDrainStarted(Runnable action) {
		this.onDrainStarted = action;
	}

	List<TerminationResult> results() {
		return this.results;
	}

}
