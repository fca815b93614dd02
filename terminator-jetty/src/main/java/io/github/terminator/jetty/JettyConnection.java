package io.github.terminator.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.Protocol;
import io.github.terminator.core.spi.Sockets;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * terminator's handle on one Jetty HTTP/1.1 connection, over TCP or TLS.
 */
final class JettyConnection implements ConnectionControl {

	/**
	 * How often to look again whether a connection closing after its last response has
	 * sent it all.
	 */
	private static final long OUTPUT_SHUTDOWN_POLL_MILLIS = 5;

	/** How soon to look again at a connection handed over to be closed while busy. */
	private static final long BUSY_RETRY_MILLIS = 10;

	/** Named, so that an application without Jetty's WebSocket jars does not need them. */
	private static final String WEBSOCKET_CONNECTION = "org.eclipse.jetty.websocket.core.WebSocketConnection";

	private final JettyServerAdapter adapter;

	/** The endpoint HTTP/1.1 reads from: the socket's, or the decrypted one of TLS. */
	private final EndPoint endPoint;

	private final Scheduler scheduler;

	/** The HTTP/1.1 connection, then what it was upgraded to. */
	private volatile Connection connection;

	/** Set once, right after the connection is registered; read by the drain's thread. */
	private volatile ConnectionEvents tracked;

	/** Whether the connection's TLS handshake is under way. */
	private volatile boolean handshaking;

	JettyConnection(JettyServerAdapter adapter, Connection connection, Scheduler scheduler) {
		this.adapter = adapter;
		this.connection = connection;
		this.endPoint = connection.getEndPoint();
		this.scheduler = scheduler;
		// With ALPN, the connection is opened once the handshake is over; without, at the
		// accept, before it.
		this.handshaking = networkEndPoint(this.endPoint).getConnection() instanceof SslConnection tls
				&& !hasSession(tls.getSSLEngine());
	}

	/**
	 * Whether a TLS engine has a session yet: during its first handshake, it has the null
	 * session.
	 */
	private static boolean hasSession(SSLEngine engine) {
		SSLSession session = engine.getSession();
		return session != null && !"SSL_NULL_WITH_NULL_NULL".equals(session.getCipherSuite());
	}

	/**
	 * The connection's TLS handshake succeeded: its client writes its request from now on.
	 */
	void handshakeCompleted() {
		if (this.handshaking) {
			this.handshaking = false;
			ConnectionEvents tracked = this.tracked;
			if (tracked != null) {
				tracked.onHandshakeCompleted();
			}
		}
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

	EndPoint endPoint() {
		return this.endPoint;
	}

	boolean isCurrent(Connection connection) {
		return this.connection == connection;
	}

	void upgradedTo(Connection connection) {
		this.connection = connection;
		if (this.tracked.protocol() == Protocol.HTTP_1_1) {
			// HTTP/2 with prior knowledge upgrades without a 101 response.
			this.tracked.onUpgraded(Protocol.H2C);
		}
	}

	@Override
	public String remoteAddress() {
		return (this.endPoint.getRemoteSocketAddress() instanceof InetSocketAddress remote)
				? remote.getAddress().getHostAddress() + ":" + remote.getPort() : "unknown";
	}

	@Override
	public int localPort() {
		return (this.endPoint.getLocalSocketAddress() instanceof InetSocketAddress local) ? local.getPort() : -1;
	}

	/**
	 * Closes the connection if it is waiting for a request and none has arrived. Jetty
	 * waits for the next request with a fill interest on the endpoint: while it has none,
	 * it is reading or parsing a request, or finishing the last exchange, and the request
	 * may not have reached the handler yet. With the interest registered, bytes may still
	 * have reached the socket without the selector having seen them: closing a socket with
	 * unread bytes would reset it, and the client lose a request it has written. Left open,
	 * Jetty reads them and serves the request, and the drain looks again.
	 * <p>
	 * The last look and the close are made on the connection's selector thread, which
	 * alone starts Jetty's read of a waiting connection: from another thread, Jetty could
	 * read a request between the look and the close, and lose it with the connection (a
	 * request crossing the drain was read by the application and never answered). If a
	 * request has arrived by then, the connection is left to serve it, and closes after
	 * its response, which says {@code Connection: close}.
	 */
	@Override
	public boolean closeIfIdle() {
		if (!this.endPoint.isOpen()) {
			return true;
		}
		if (!isWaitingForRequest()) {
			return false;
		}
		ManagedSelector selector = selector();
		if (selector == null) {
			return closeIfWaitingForRequest();
		}
		closeOnSelector(selector);
		return true;
	}

	/**
	 * Closes the connection on its selector thread once it waits for a request. The drain
	 * has handed it over and does not look again: while a request is under way, this looks
	 * again a moment later, until the connection closes after the request's response or
	 * waits for a request again (a partial request the client never finishes).
	 */
	private void closeOnSelector(ManagedSelector selector) {
		this.adapter.idleCloses().close(selector, this);
	}

	/**
	 * On the selector thread: if the connection waits for a request, tells its client the
	 * close with a FIN, and the caller closes it next ({@link #closeAfterFin}); if not,
	 * looks again a moment later. A connection under TLS gets its FIN from the close, after
	 * TLS's close_notify.
	 * @param selector the connection's selector, whose thread this is
	 * @return whether the connection is to be closed
	 */
	boolean finIfWaitingForRequest(ManagedSelector selector) {
		if (!this.endPoint.isOpen()) {
			return false;
		}
		if (!isWaitingToBeClosed()) {
			try {
				this.scheduler.schedule(() -> closeOnSelector(selector), BUSY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
			}
			catch (RejectedExecutionException ex) {
				// The server is stopping, and closes the connection.
			}
			return false;
		}
		EndPoint network = networkEndPoint(this.endPoint);
		if (network == this.endPoint) {
			network.shutdownOutput();
		}
		return true;
	}

	/**
	 * On the selector thread, right after {@link #finIfWaitingForRequest}: closes the
	 * connection, which Jetty reports closed.
	 */
	void closeAfterFin() {
		if (this.tracked.isNew()) {
			// Closing the connection would have Jetty answer a partial request head with a
			// 400; the client has not finished a request, and gets a plain FIN.
			networkEndPoint(this.endPoint).close();
		}
		else {
			// Through the connection, which gives TLS its close_notify before the FIN.
			this.connection.close();
		}
	}

	private boolean closeIfWaitingForRequest() {
		if (!isWaitingToBeClosed()) {
			return false;
		}
		closeAfterFin();
		return true;
	}

	/**
	 * Whether the connection waits for a request and has none unread.
	 */
	private boolean isWaitingToBeClosed() {
		// Unread bytes first: Jetty gives up the fill interest before it reads them.
		return this.endPoint.isOpen() && !hasUnreadBytes() && isWaitingForRequest();
	}

	private boolean isWaitingForRequest() {
		if (this.handshaking) {
			// Its client writes its request as soon as the handshake ends, which a busy
			// machine can make last longer than the quiet window of a new connection.
			return false;
		}
		ConnectionEvents tracked = this.tracked;
		return tracked != null && tracked.isIdle() && this.endPoint.isFillInterested();
	}

	/**
	 * The selector of the connection's socket, found among its connector's.
	 * @return the selector, or {@code null} for a connection without one
	 */
	private ManagedSelector selector() {
		SelectableChannel channel = socketChannel(this.endPoint);
		if (!(this.connection instanceof ConnectionMetaData metaData)
				|| !(metaData.getConnector() instanceof ServerConnector connector) || channel == null) {
			return null;
		}
		for (ManagedSelector selector : connector.getSelectorManager().getBeans(ManagedSelector.class)) {
			Selector javaSelector = selector.getSelector();
			if (javaSelector != null && channel.keyFor(javaSelector) != null) {
				return selector;
			}
		}
		return null;
	}

	/**
	 * Whether bytes are waiting in the socket's receive buffer, without reading them
	 * ({@code FIONREAD}, which {@code available()} of a channel's socket stream asks for in
	 * any blocking mode).
	 */
	private boolean hasUnreadBytes() {
		if (!(socketChannel(this.endPoint) instanceof SocketChannel channel)) {
			return false;
		}
		try {
			return channel.socket().getInputStream().available() > 0;
		}
		catch (IOException ex) {
			// Closed or shut down for input: no request can be read from it.
			return false;
		}
	}

	/**
	 * The socket's endpoint: under TLS the endpoint HTTP/1.1 reads from is the decrypted
	 * one, whose transport is the socket's endpoint.
	 */
	static EndPoint networkEndPoint(EndPoint endPoint) {
		while (endPoint.getTransport() instanceof EndPoint wrapped) {
			endPoint = wrapped;
		}
		return endPoint;
	}

	/**
	 * The channel of the socket under an endpoint.
	 * @return the channel, or {@code null} for an endpoint that has none
	 */
	static SelectableChannel socketChannel(EndPoint endPoint) {
		return (networkEndPoint(endPoint).getTransport() instanceof SelectableChannel channel) ? channel : null;
	}

	/**
	 * Tells a WebSocket 1001 Going Away (Jetty closes the connection after the close
	 * frame); tells an HTTP/2 connection GOAWAY, and closes it after its last stream.
	 */
	@Override
	public boolean goAway() {
		Connection current = this.connection;
		if (WEBSOCKET_CONNECTION.equals(current.getClass().getName())) {
			this.adapter.closeWebSockets(this.scheduler);
			return true;
		}
		if (JettyServerAdapter.isHttp2(current)) {
			JettyHttp2.goAway(current, this.endPoint, this.scheduler);
			return true;
		}
		return false;
	}

	/**
	 * Closes the connection with a reset: its response, if any, is cut (see
	 * {@link Sockets#resetOnClose}).
	 */
	@Override
	public void forceClose() {
		if (socketChannel(this.endPoint) instanceof SocketChannel channel) {
			Sockets.resetOnClose(channel);
		}
		networkEndPoint(this.endPoint).close();
		// Jetty reports the close to the listeners of the current connection, which an
		// upgrade that did not copy the connector's listeners would not tell us about.
		this.adapter.closed(this);
	}

	/**
	 * The last response of the connection is complete and Jetty is closing the connection
	 * ({@code Connection: close}): Jetty shuts its output down, then waits for the client
	 * to close (up to the idle timeout) before it closes the socket. The connection is
	 * done once its output is shut down: all of the response has been written.
	 */
	void closeAfterLastResponse() {
		if (!this.endPoint.isOpen() || this.endPoint.isOutputShutdown()) {
			this.adapter.closed(this);
			return;
		}
		try {
			this.scheduler.schedule(this::closeAfterLastResponse, OUTPUT_SHUTDOWN_POLL_MILLIS, TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// The server is stopping, and closes the connection.
		}
	}

}
