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
	 * The drain has started: the listener is closed, and every response not yet committed
	 * says {@code Connection: close}. Streams the application owns (server-sent events,
	 * long polls) should end now, so that their clients reconnect to another instance.
	 */
	default void drainStarted() {
	}

	/**
	 * The termination ended; called once, before {@link Terminator#terminate()} returns.
	 * @param result the result
	 */
	default void terminated(TerminationResult result) {
	}

}
