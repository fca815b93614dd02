package io.github.terminator.undertow;

import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;

/**
 * Sends a WebSocket 1001 Going Away the way its endpoint expects: through the Jakarta
 * WebSocket session where there is one (Spring MVC's WebSocket support), so that the
 * endpoint's {@code onClose} is told 1001 too; with a bare close frame otherwise.
 */
final class UndertowWebSockets {

	static final String REASON = "Server shutting down";

	private static final boolean JAKARTA = isPresent("io.undertow.websockets.jsr.UndertowSession");

	private UndertowWebSockets() {
	}

	static void goAway(WebSocketChannel channel) {
		if (JAKARTA && JakartaWebSockets.goAway(channel, REASON)) {
			return;
		}
		WebSockets.sendClose(CloseMessage.GOING_AWAY, REASON, channel, null);
	}

	private static boolean isPresent(String name) {
		try {
			Class.forName(name, false, UndertowWebSockets.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

}
