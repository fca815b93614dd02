package io.github.terminator.jetty;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.terminator.core.spi.Connections;
import io.github.terminator.core.spi.IdleCloses;
import io.github.terminator.core.spi.Protocol;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.ServerAdapter;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * terminator on Jetty 12 (12.0 and 12.1): tracks the HTTP/1.1 connections of a server,
 * from accept to close, and closes its listeners on demand. Only public Jetty API is used.
 * <p>
 * {@link #track(Server) Track} the server before it starts (a Spring Boot
 * {@code JettyServerCustomizer} does): a connection listener goes on each connector and a
 * handler on top of the server's handler.
 */
public final class JettyServerAdapter implements ServerAdapter {

	/** How long after a round of 1001 Going Away the adapter tells the WebSockets again. */
	private static final long WEBSOCKET_ROUND_MILLIS = 50;

	/**
	 * How long after its listeners are closed the adapter waits for a connection that an
	 * acceptor thread took just before, and is still handing to a selector. Jetty tells of
	 * such a connection only once the hand-over has begun, a few microseconds after the
	 * accept: this covers an acceptor thread that the scheduler set aside in between.
	 */
	static final long HAND_OVER_SETTLE_MILLIS = 10;

	/**
	 * The longest the adapter waits for the connections accepted before the listeners
	 * closed to be opened by their selector.
	 */
	static final long OPEN_TIMEOUT_MILLIS = 1000;

	/**
	 * How long Jetty's thread pool waits, when it stops, for its threads to end before
	 * interrupting them.
	 */
	static final long THREAD_POOL_STOP_TIMEOUT_MILLIS = 200;

	private final Connections registry;

	/** Keyed by the endpoint HTTP/1.1 reads from, which an upgraded connection keeps. */
	private final Map<EndPoint, JettyConnection> connections = new ConcurrentHashMap<>();

	private final List<NetworkConnector> connectors = new CopyOnWriteArrayList<>();

	/** Closed on their selector thread: only it starts Jetty's reads of a waiting connection. */
	private final IdleCloses<ManagedSelector, JettyConnection> idleCloses = new IdleCloses<>(
			(selector) -> (task) -> selector.submit((ignored) -> task.run()),
			(selector, connection) -> connection.finIfWaitingForRequest(selector), JettyConnection::closeAfterFin);

	/** Local addresses of the connections terminator opens to wake acceptor threads. */
	private final Set<SocketAddress> wakes = ConcurrentHashMap.newKeySet();

	/**
	 * Accepted channels handed to a selector whose connection is not open yet: not tracked
	 * yet, but already the server's to serve.
	 */
	private final Set<SelectableChannel> accepted = ConcurrentHashMap.newKeySet();

	private final Listener listener = new Listener();

	private final List<Server> servers = new CopyOnWriteArrayList<>();

	private final AtomicBoolean webSocketsClosing = new AtomicBoolean();

	/**
	 * Creates an adapter that reports to the given registry.
	 * @param registry where connections are tracked
	 */
	public JettyServerAdapter(Connections registry) {
		this.registry = registry;
	}

	/**
	 * Tracks the connections and requests of a server that has not started yet. Tracking
	 * the same server again has no effect.
	 * @param server the server
	 */
	public void track(Server server) {
		if (!this.servers.contains(server)) {
			this.servers.add(server);
		}
		for (Connector connector : server.getConnectors()) {
			// Jetty adds the connector's Connection.Listener beans to every connection its
			// factories create, and the WebSocket upgrade does the same; a ServerConnector
			// gives its SelectorManager.AcceptListener beans to its selector manager as it
			// starts.
			connector.addBean(this.listener);
			if (connector instanceof NetworkConnector network && !this.connectors.contains(network)) {
				this.connectors.add(network);
			}
		}
		if (!isTracking(server.getHandler())) {
			server.insertHandler(new RequestTrackingHandler(this));
		}
		if (server.getThreadPool() instanceof QueuedThreadPool pool) {
			// Jetty stops after the termination: a handler still running then was cut, and
			// waiting for its thread (5 s by default) would only keep the shutdown past its
			// max-wait. Not 0, with which Jetty does not wake its idle threads at all, and
			// leaves them until their idle timeout.
			pool.setStopTimeout(THREAD_POOL_STOP_TIMEOUT_MILLIS);
		}
	}

	private static boolean isTracking(Handler handler) {
		while (handler instanceof Handler.Wrapper wrapper) {
			if (handler instanceof RequestTrackingHandler) {
				return true;
			}
			handler = wrapper.getHandler();
		}
		return false;
	}

	/**
	 * Closes the listening socket of every tracked connector, serving the connections
	 * waiting in its backlog. Requests on connections already accepted go on being served.
	 * Returns once every connection accepted is tracked, for the drain to wait for it.
	 * @throws IOException if a listener failed to close
	 */
	@Override
	public void stopAccepting() throws IOException {
		IOException failure = null;
		for (NetworkConnector connector : this.connectors) {
			try {
				if (connector instanceof ServerConnector serverConnector) {
					ListenerClose.closeServingBacklog(serverConnector, this.wakes::add);
				}
				else {
					connector.close();
				}
			}
			catch (IOException | RuntimeException ex) {
				IOException io = (ex instanceof IOException cause) ? cause : new IOException(ex);
				failure = (failure != null) ? failure : io;
			}
		}
		awaitAcceptedOpened();
		if (failure != null) {
			throw failure;
		}
	}

	/**
	 * Waits until the connections accepted before the listeners closed are open, and so
	 * tracked: a selector opens them asynchronously, and a drain that found no connection
	 * in the meantime would end, and let the server be stopped under them.
	 */
	private void awaitAcceptedOpened() {
		long closedAt = System.nanoTime();
		long settled = closedAt + TimeUnit.MILLISECONDS.toNanos(HAND_OVER_SETTLE_MILLIS);
		long deadline = closedAt + TimeUnit.MILLISECONDS.toNanos(OPEN_TIMEOUT_MILLIS);
		boolean interrupted = false;
		synchronized (this.accepted) {
			while (true) {
				long now = System.nanoTime();
				boolean settling = now - settled < 0;
				if ((!settling && this.accepted.isEmpty()) || now - deadline >= 0) {
					break;
				}
				try {
					TimeUnit.NANOSECONDS.timedWait(this.accepted, (settling ? settled : deadline) - now);
				}
				catch (InterruptedException ex) {
					// The drain is given up on: stop waiting, and leave the flag for it.
					interrupted = true;
					break;
				}
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	private void acceptedOpened(SelectableChannel channel) {
		if (channel != null && this.accepted.remove(channel)) {
			synchronized (this.accepted) {
				this.accepted.notifyAll();
			}
		}
	}

	/**
	 * Sends every WebSocket session of the servers 1001 Going Away, now and once more a
	 * moment later. This is Jetty's own graceful close of its WebSocket containers,
	 * through their session trackers, which a stop with no stop timeout (Spring Boot's)
	 * never calls. Jetty then closes each connection right after the close frame: it waits
	 * for the client's answer to a 1000 only.
	 * <p>
	 * A connection is reported upgraded a moment before its session is in its tracker: the
	 * second round tells a session that was not there yet. Calls within that moment share
	 * the rounds, each of which runs on a thread of its own.
	 */
	void closeWebSockets(Scheduler scheduler) {
		if (!this.webSocketsClosing.compareAndSet(false, true)) {
			return;
		}
		shutDownSessionTrackers();
		try {
			scheduler.schedule(() -> {
				this.webSocketsClosing.set(false);
				shutDownSessionTrackers();
			}, WEBSOCKET_ROUND_MILLIS, TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// The server is stopping, and closes its connections itself.
		}
	}

	private void shutDownSessionTrackers() {
		for (Server server : this.servers) {
			for (Graceful graceful : server.getContainedBeans(Graceful.class)) {
				String name = graceful.getClass().getName();
				// Jakarta WebSocket (ee10, ee11), and Jetty's own WebSocket API.
				if (name.endsWith(".websocket.jakarta.common.SessionTracker")
						|| name.equals("org.eclipse.jetty.websocket.common.SessionTracker")) {
					graceful.shutdown();
				}
			}
		}
	}

	Connections registry() {
		return this.registry;
	}

	/**
	 * Called on the thread that opens a connection: for a plain connection the selector's,
	 * right after accept and before a byte is read.
	 */
	private void opened(Connection connection) {
		EndPoint endPoint = connection.getEndPoint();
		acceptedOpened(JettyConnection.socketChannel(endPoint));
		JettyConnection upgraded = this.connections.get(endPoint);
		if (upgraded != null) {
			// EndPoint.upgrade() opens the new connection on the same endpoint.
			upgraded.upgradedTo(connection);
			return;
		}
		if (isHttp2(connection)) {
			// h2 negotiated with ALPN, opened on the decrypted endpoint of its TLS
			// connection (h2c comes as an upgrade of HTTP/1.1, above).
			JettyConnection tracked = new JettyConnection(this, connection,
					((ConnectionMetaData) connection).getConnector().getScheduler());
			this.connections.put(endPoint, tracked);
			ConnectionEvents events = this.registry.open(tracked);
			tracked.track(events);
			events.onUpgraded(Protocol.H2);
			reportIfClosedMeanwhile(tracked);
			return;
		}
		if (!isHttp1(connection) || isWake(endPoint)) {
			// TLS, ALPN and HTTP/2 connections; HTTP/1.1 over TLS is opened with its
			// SslConnection, on the decrypted endpoint.
			return;
		}
		JettyConnection tracked = new JettyConnection(this, connection,
				((ConnectionMetaData) connection).getConnector().getScheduler());
		// Before HttpConnection.onOpen() goes on to wait for the first request; and known
		// here before the registry publishes it: the drain may close it at once, and its
		// close must find it (otherwise the registry keeps it to the max-wait).
		this.connections.put(endPoint, tracked);
		tracked.track(this.registry.open(tracked));
		reportIfClosedMeanwhile(tracked);
	}

	private void reportIfClosedMeanwhile(JettyConnection tracked) {
		if (this.connections.get(tracked.endPoint()) != tracked) {
			tracked.reportClosed();
		}
	}

	private void closed(Connection connection) {
		EndPoint endPoint = connection.getEndPoint();
		JettyConnection tracked = this.connections.get(endPoint);
		if (tracked == null || !tracked.isCurrent(connection)) {
			return;
		}
		if (endPoint.isOpen()) {
			// EndPoint.upgrade() closes the old connection on an endpoint that stays open;
			// a real close closes the endpoint first.
			return;
		}
		closed(tracked);
	}

	IdleCloses<ManagedSelector, JettyConnection> idleCloses() {
		return this.idleCloses;
	}

	void closed(JettyConnection tracked) {
		if (this.connections.remove(tracked.endPoint(), tracked)) {
			tracked.reportClosed();
		}
	}

	/**
	 * The tracked HTTP/1.1 connection a request arrived on.
	 * @return the connection, or {@code null} for one that is not tracked (HTTP/2)
	 */
	JettyConnection connection(Connection connection) {
		JettyConnection tracked = this.connections.get(connection.getEndPoint());
		return (tracked != null && tracked.isCurrent(connection) && isHttp1(connection)) ? tracked : null;
	}

	/**
	 * The tracked HTTP/2 connection a stream arrived on.
	 * @return the connection, or {@code null} for one that is not tracked
	 */
	JettyConnection http2Connection(Connection connection) {
		JettyConnection tracked = this.connections.get(connection.getEndPoint());
		return (tracked != null && tracked.isCurrent(connection) && isHttp2(connection)) ? tracked : null;
	}

	/**
	 * Whether a connection carries HTTP/1.x requests itself. Jetty's {@code HttpConnection}
	 * is internal; its public face is the {@link ConnectionMetaData} it implements, whose
	 * version is HTTP/1.1 until a request says otherwise. HTTP/2 connections say HTTP/2,
	 * the others (TLS, ALPN, WebSocket) are no {@code ConnectionMetaData}.
	 */
	private static boolean isHttp1(Connection connection) {
		return connection instanceof ConnectionMetaData metaData && metaData.getHttpVersion() != null
				&& metaData.getHttpVersion().getVersion() < 20;
	}

	/**
	 * Whether a connection carries HTTP/2: Jetty's is internal, and its public face is the
	 * {@link ConnectionMetaData} it implements.
	 */
	static boolean isHttp2(Connection connection) {
		return connection instanceof ConnectionMetaData metaData && metaData.getHttpVersion() == HttpVersion.HTTP_2;
	}

	private boolean isWake(EndPoint endPoint) {
		return !this.wakes.isEmpty() && this.wakes.remove(endPoint.getRemoteSocketAddress());
	}

	/**
	 * Sees each connection from accept to close: a channel as a selector is given it, its
	 * connections as they open and close.
	 */
	private final class Listener implements Connection.Listener, SelectorManager.AcceptListener, SslHandshakeListener {

		/**
		 * The end of a TLS handshake: the client of the connection writes its request from
		 * now on. Jetty gives the connector's handshake listener beans to every TLS
		 * connection its factory creates.
		 */
		@Override
		public void handshakeSucceeded(SslHandshakeListener.Event event) {
			EndPoint endPoint = event.getEndPoint();
			JettyConnection tracked = JettyServerAdapter.this.connections.get(endPoint);
			if (tracked == null && endPoint != null && endPoint.getConnection() instanceof SslConnection tls) {
				tracked = JettyServerAdapter.this.connections.get(tls.getSslEndPoint());
			}
			if (tracked != null) {
				tracked.handshakeCompleted();
			}
		}

		@Override
		public void onAccepting(SelectableChannel channel) {
			JettyServerAdapter.this.accepted.add(channel);
		}

		@Override
		public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
			acceptedOpened(channel);
		}

		@Override
		public void onClosed(SelectableChannel channel) {
			acceptedOpened(channel);
		}

		@Override
		public void onOpened(Connection connection) {
			opened(connection);
		}

		@Override
		public void onClosed(Connection connection) {
			closed(connection);
		}

	}

}
