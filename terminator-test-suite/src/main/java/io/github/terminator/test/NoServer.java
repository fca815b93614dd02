package io.github.terminator.test;

import io.github.terminator.core.spi.ServerAdapter;

/**
 * Stands in for the adapter of the application's server, in tests of the wiring around
 * it: each line's own wiring, and the adapters, have tests of their own with real servers.
 */
public final class NoServer {

	private NoServer() {
	}

	/**
	 * An adapter with nothing to close.
	 * @return the adapter
	 */
	public static ServerAdapter adapter() {
		return () -> {
		};
	}

}
