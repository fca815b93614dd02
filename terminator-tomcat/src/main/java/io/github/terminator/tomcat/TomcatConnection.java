package io.github.terminator.tomcat;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpUpgradeHandler;

import io.github.terminator.core.spi.Protocol;
import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.Sockets;

import org.apache.coyote.http11.upgrade.InternalHttpUpgradeHandler;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * terminator's handle on one Tomcat connection.
 */
final class TomcatConnection implements ConnectionControl {

	private final SocketWrapperBase<?> wrapper;

	private final AbstractEndpoint<?, ?> endpoint;

	/**
	 * How often a connection told to go away over HTTP/2 is looked at, to send the last
	 * GOAWAY and to close it after its last stream.
	 */
	private static final long HTTP2_DRAIN_POLL_MILLIS = 20;

	private volatile ConnectionEvents tracked;

	/** What the connection was upgraded to: HTTP/2 or a WebSocket. */
	private volatile HttpUpgradeHandler upgradeHandler;

	/** Whether the connection is over TLS, whose handshake ends after its accept. */
	private final boolean secure;

	/** Whether the end of the TLS handshake was reported; only touched under Tomcat's processing. */
	private boolean handshakeReported;

	TomcatConnection(SocketWrapperBase<?> wrapper, AbstractEndpoint<?, ?> endpoint) {
		this.wrapper = wrapper;
		this.endpoint = endpoint;
		this.secure = endpoint.isSSLEnabled();
	}

	void track(ConnectionEvents tracked) {
		this.tracked = tracked;
	}

	ConnectionEvents tracked() {
		return this.tracked;
	}

	/**
	 * Tells the registry that the connection is closed, if the registry has it yet: a
	 * connection may close while the registry is opening it, and the opener tells it then.
	 */
	void reportClosed() {
		ConnectionEvents tracked = this.tracked;
		if (tracked != null) {
			tracked.onClosed();
		}
	}

	/**
	 * Records what the connection was upgraded to, right after the connection handler
	 * returned, while its processor is attached.
	 * @return the protocol it speaks now, or {@code null} if it has no upgrade handler
	 */
	Protocol upgraded(SocketWrapperBase<?> wrapper) {
		HttpUpgradeHandler handler = this.upgradeHandler;
		if (handler == null) {
			handler = TomcatInternals.upgradeHandler(wrapper);
			this.upgradeHandler = handler;
		}
		if (handler == null) {
			return null;
		}
		if (TomcatInternals.isHttp2(handler)) {
			return this.endpoint.isSSLEnabled() ? Protocol.H2 : Protocol.H2C;
		}
		return Protocol.WEBSOCKET;
	}

	/**
	 * Tells a WebSocket 1001 Going Away, on one of Tomcat's threads (the endpoint's
	 * {@code onClose} runs there); tells an HTTP/2 connection GOAWAY, and closes it after
	 * its last stream.
	 */
	@Override
	public boolean goAway() {
		HttpUpgradeHandler handler = this.upgradeHandler;
		try {
			if (handler != null && TomcatInternals.isHttp2(handler)) {
				// Tomcat sent the first GOAWAY, with 2^31-1, when the listener closed; again
				// has no effect.
				((InternalHttpUpgradeHandler) handler).pause();
				this.endpoint.getUtilityExecutor()
					.schedule(() -> drainHttp2(handler), HTTP2_DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
				return true;
			}
			if (TomcatWebSocketInternals.isWebSocket(handler)) {
				this.wrapper.execute(() -> TomcatWebSocketInternals.closeGoingAway(handler));
				return true;
			}
		}
		catch (RejectedExecutionException ex) {
			// Tomcat is stopping, and closes its connections itself.
		}
		return false;
	}

	/**
	 * Sends the last GOAWAY once a round trip has passed, then closes the connection as
	 * soon as its last stream is over, the way Tomcat closes it at its keep-alive timeout.
	 */
	private void drainHttp2(HttpUpgradeHandler http2) {
		if (this.wrapper.isClosed()) {
			return;
		}
		if (TomcatInternals.http2Drained(http2)) {
			((InternalHttpUpgradeHandler) http2).timeoutAsync(-1);
			return;
		}
		try {
			this.endpoint.getUtilityExecutor()
				.schedule(() -> drainHttp2(http2), HTTP2_DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// Tomcat is stopping, and closes its connections itself.
		}
	}

	@Override
	public String remoteAddress() {
		try {
			return this.wrapper.getRemoteAddr() + ":" + this.wrapper.getRemotePort();
		}
		catch (RuntimeException ex) {
			// The socket was closed and released under us.
			return "unknown";
		}
	}

	@Override
	public int localPort() {
		try {
			return this.wrapper.getLocalPort();
		}
		catch (RuntimeException ex) {
			return -1;
		}
	}

	/**
	 * Leaves a TLS connection open while its handshake runs: its client writes its request
	 * as soon as the handshake ends, which a busy machine can make last longer than the
	 * quiet window of a new connection.
	 */
	@Override
	public boolean closeIfIdle() {
		if (!isHandshakeComplete()) {
			return false;
		}
		return TomcatInternals.closeIfIdle(this.wrapper, this.endpoint);
	}

	/**
	 * Reports, the first time Tomcat processes the connection after its TLS handshake, that
	 * its client may now write its request. Tomcat processes a connection as soon as its
	 * handshake is done.
	 */
	void handshakeChecked(ConnectionEvents events) {
		if (!this.handshakeReported && this.secure && isHandshakeComplete()) {
			this.handshakeReported = true;
			events.onHandshakeCompleted();
		}
	}

	private boolean isHandshakeComplete() {
		return !(this.wrapper.getSocket() instanceof NioChannel channel) || channel.isHandshakeComplete();
	}

	/**
	 * Closes the connection with a reset: its response, if any, is cut (see
	 * {@link Sockets#resetOnClose}).
	 */
	@Override
	public void forceClose() {
		if (this.wrapper.getSocket() instanceof NioChannel channel) {
			// The socket itself: closing the wrapper first would send TLS's close_notify, a
			// clean end of the stream that the client would take for the end of the response.
			Sockets.resetOnClose(channel.getIOChannel());
			closeQuietly(channel.getIOChannel());
		}
		this.wrapper.close();
		TomcatInternals.wakeBlockedIo(this.wrapper);
	}

	private static void closeQuietly(Closeable channel) {
		try {
			channel.close();
		}
		catch (IOException ex) {
			// Closed already.
		}
	}

}
