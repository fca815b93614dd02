package io.github.terminator.core;

/**
 * How a termination ended.
 */
public enum TerminationCode {

	/**
	 * Every connection ended gracefully.
	 */
	TERMINATED,

	/**
	 * Some connections were closed by force at the graceful timeout.
	 */
	FORCED,

	/**
	 * The max-wait was reached before the server was drained.
	 */
	TIMED_OUT,

	/**
	 * The server failed while closing.
	 */
	SERVER_ERROR,

	/**
	 * terminator itself failed.
	 */
	INTERNAL_ERROR

}
