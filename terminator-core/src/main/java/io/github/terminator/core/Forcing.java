package io.github.terminator.core;

/**
 * The graceful timeout: every connection still open is closed by force, and counted, and
 * every stream still running is cut.
 */
final class Forcing {

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
		registry.streams().cutOpen();
	}

	/**
	 * Whether a connection is closed, or idle with its close handed to the server.
	 */
	private static boolean isClosing(TrackedConnection connection) {
		return connection.isClosed() || (connection.isCloseRequested() && Drain.isIdle(connection));
	}

}
