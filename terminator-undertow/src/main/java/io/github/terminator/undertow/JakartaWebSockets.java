package io.github.terminator.undertow;

import java.io.IOException;
import java.util.ConcurrentModificationException;
import java.util.List;

import jakarta.websocket.CloseReason;
import jakarta.websocket.CloseReason.CloseCodes;
import jakarta.websocket.Session;

import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.jsr.ConfiguredServerEndpoint;
import io.undertow.websockets.jsr.UndertowSession;
import io.undertow.websockets.jsr.handshake.HandshakeUtil;
import org.xnio.IoUtils;

/**
 * Closes the Jakarta WebSocket session of a channel with 1001 Going Away. Loaded only
 * where Undertow's Jakarta WebSocket implementation is.
 */
final class JakartaWebSockets {

	private JakartaWebSockets() {
	}

	/**
	 * Closes the session on its executor, as Undertow's own container does when it
	 * pauses: the endpoint's {@code onClose} runs on the calling thread.
	 * @return {@code false} if the channel has no Jakarta WebSocket session
	 */
	static boolean goAway(WebSocketChannel channel, String reason) {
		ConfiguredServerEndpoint config = HandshakeUtil.getConfig(channel);
		if (config == null) {
			return false;
		}
		List<Session> sessions;
		try {
			sessions = List.copyOf(config.getOpenSessions());
		}
		catch (ConcurrentModificationException ex) {
			return false;
		}
		for (Session candidate : sessions) {
			if (candidate instanceof UndertowSession session && session.getWebSocketChannel() == channel) {
				session.getExecutor().execute(() -> {
					try {
						session.close(new CloseReason(CloseCodes.GOING_AWAY, reason));
					}
					catch (IOException ex) {
						IoUtils.safeClose(channel);
					}
				});
				return true;
			}
		}
		return false;
	}

}
