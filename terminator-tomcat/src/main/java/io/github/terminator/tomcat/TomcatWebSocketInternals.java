package io.github.terminator.tomcat;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.websocket.CloseReason;
import jakarta.websocket.CloseReason.CloseCodes;

import org.apache.tomcat.websocket.WsSession;
import org.apache.tomcat.websocket.server.WsHttpUpgradeHandler;

/**
 * terminator's one reliance on a member of Tomcat's WebSocket implementation that is not
 * public API: the session of an upgraded connection, which its upgrade handler keeps in a
 * private field with no getter (Tomcat 10.1 and 11). Loaded only for an application that
 * has a WebSocket connection, so that one without Tomcat's WebSocket jar never needs it.
 */
final class TomcatWebSocketInternals {

	static final String HANDLER_CLASS = "org.apache.tomcat.websocket.server.WsHttpUpgradeHandler";

	private static final VarHandle WS_SESSION;

	static {
		try {
			WS_SESSION = MethodHandles.privateLookupIn(WsHttpUpgradeHandler.class, MethodHandles.lookup())
				.findVarHandle(WsHttpUpgradeHandler.class, "wsSession", WsSession.class);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException("terminator does not support this version of Tomcat's WebSocket ("
					+ WsSession.class.getPackage().getImplementationVersion() + "): " + ex, ex);
		}
	}

	private TomcatWebSocketInternals() {
	}

	/**
	 * Whether an upgrade handler is Tomcat's WebSocket one, without loading it.
	 */
	static boolean isWebSocket(HttpUpgradeHandler handler) {
		return handler != null && HANDLER_CLASS.equals(handler.getClass().getName());
	}

	/**
	 * Sends the session of a WebSocket connection a close frame with 1001 Going Away, and
	 * runs the endpoint's {@code onClose} on this thread, which must not hold the
	 * connection's lock. Tomcat closes the connection when the client's close frame
	 * arrives.
	 * @return whether the connection had a session to close
	 */
	static boolean closeGoingAway(HttpUpgradeHandler handler) {
		if (handler instanceof WsHttpUpgradeHandler webSocket
				&& WS_SESSION.getVolatile(webSocket) instanceof WsSession session) {
			try {
				session.close(new CloseReason(CloseCodes.GOING_AWAY, "Server shutting down"));
			}
			catch (IOException ex) {
				// Tomcat closes the connection when the close frame cannot be sent.
			}
			return true;
		}
		return false;
	}

}
