package io.github.terminator.core;

import java.util.concurrent.TimeUnit;

/**
 * The graceful timeout: every connection still open is closed by force, and counted, and
 * every stream still running is cut.
 */
final class Forcing {

	/**
	 * How long a server may take to close a connection whose close the drain handed to it:
	 * one it has not closed by then (a close lost, or a client that stopped in the middle
	 * of a request head) is forced with the rest, rather than held to the max-wait.
	 */
	static final long CLOSE_HANDOVER_NANOS = TimeUnit.SECONDS.toNanos(1);

	private Forcing() {
	}

	/**
	 * Whether a connection is left that is neither closed nor closing.
	 */
	static boolean anyToForce(ConnectionRegistry registry) {
		for (TrackedConnection connection : registry.live()) {
			if (!isClosing(connection)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Closes by force every connection that is neither closed nor closing, and cuts every
	 * stream still open.
	 */
	static void forceRemaining(ConnectionRegistry registry, DrainFigures figures) {
		// First: a container ends a stream's request as its socket closes, which would
		// count it finished.
		registry.streams().cutOpen();
		for (TrackedConnection connection : registry.connections()) {
			if (isClosing(connection)) {
				continue;
			}
			figures.forced(connection.currentRequest());
			connection.markForced();
			try {
				connection.control().forceClose();
			}
			catch (RuntimeException ex) {
				figures.serverFailed(ex);
			}
		}
	}

	/**
	 * Whether a connection is closed, or idle with its close handed to the server a moment
	 * ago.
	 */
	private static boolean isClosing(TrackedConnection connection) {
		return connection.isClosed() || (connection.isCloseRequested() && Drain.isIdle(connection)
				&& System.nanoTime() - connection.closeRequestedNanos() < CLOSE_HANDOVER_NANOS);
	}

}
