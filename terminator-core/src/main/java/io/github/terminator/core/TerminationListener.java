package io.github.terminator.core;

/**
 * Told about the progress of a termination. Called on the thread that makes the progress;
 * an exception thrown by a listener is ignored.
 */
public interface TerminationListener {

	/**
	 * A phase started.
	 * @param phase the phase now in force
	 */
	default void phaseStarted(TerminationPhase phase) {
	}

	/**
	 * The termination ended; called once, before {@link Terminator#terminate()} returns.
	 * @param result the result
	 */
	default void terminated(TerminationResult result) {
	}

}
