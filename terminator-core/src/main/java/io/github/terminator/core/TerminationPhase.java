package io.github.terminator.core;

/**
 * The phases of a termination, in the order they happen.
 */
public enum TerminationPhase {

	/**
	 * No termination has started: the server behaves as configured.
	 */
	SERVING,

	/**
	 * The drain delay: every request is still served, with {@code Connection: close}.
	 */
	DELAYING,

	/**
	 * The listener is closed; idle connections are closed and in-flight requests finish.
	 */
	DRAINING,

	/**
	 * The graceful timeout passed: the remaining connections are being closed by force.
	 */
	FORCING,

	/**
	 * The termination has ended and its result is recorded.
	 */
	TERMINATED

}
