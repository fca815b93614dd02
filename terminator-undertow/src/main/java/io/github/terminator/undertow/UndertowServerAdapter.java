package io.github.terminator.undertow;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.terminator.core.spi.Connections;
import io.github.terminator.core.spi.IdleCloses;
import io.github.terminator.core.spi.ServerAdapter;
import io.undertow.Undertow;
import io.undertow.Undertow.ListenerInfo;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.OpenListener;
import io.undertow.server.ServerConnection;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.server.protocol.http.HttpServerConnection;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * terminator on Undertow: tracks the HTTP/1.1 connections of a server, from accept to
 * close, and closes its listeners on demand.
 * <p>
 * The {@link #handlerWrapper() handler wrapper} must be in the server's handler chain, so
 * that requests are seen, and the server {@link #track tracked} as soon as it has started.
 */
public final class UndertowServerAdapter implements ServerAdapter {

	private static final Log logger = LogFactory.getLog(UndertowServerAdapter.class);

	/** How long closing the listeners may take before it is reported failed. */
	private static final long LISTENER_CLOSE_SECONDS = 5;

	/**
	 * Accept rounds before a listener closes: each takes up to 128 connections, and the
	 * kernel's backlog holds up to 1,000 with Undertow's default; the rounds that find it
	 * empty cost an accept each.
	 */
	private static final int ACCEPT_ROUNDS = 80;

	private final Connections registry;

	private final Map<HttpServerConnection, UndertowConnection> connections = new ConcurrentHashMap<>();

	private final List<AcceptingChannel<? extends StreamConnection>> channels = new CopyOnWriteArrayList<>();

	private final IdleCloses<XnioIoThread, UndertowConnection> idleCloses = new IdleCloses<>((thread) -> thread,
			(thread, connection) -> connection.closeSocketIfWaitingForRequest(), UndertowConnection::close);

	/**
	 * Creates an adapter that reports to the given registry.
	 * @param registry where connections are tracked
	 */
	public UndertowServerAdapter(Connections registry) {
		this.registry = registry;
	}

	/**
	 * The wrapper to put in the server's handler chain, ahead of any handler that
	 * dispatches to a worker thread: it sees each request start on the connection's IO
	 * thread, and makes its response say {@code Connection: close} once the server
	 * terminates.
	 * @return the handler wrapper
	 */
	public HandlerWrapper handlerWrapper() {
		return (next) -> new RequestTrackingHandler(this, next);
	}

	/**
	 * Tracks every listener of a started server: connections accepted from now on are
	 * tracked as they are accepted, those accepted before as soon as this method has
	 * returned, or at their first request at the latest. Tracking the same server again
	 * has no effect.
	 * @param undertow the started server
	 */
	public void track(Undertow undertow) {
		for (ListenerInfo listener : undertow.getListenerInfo()) {
			AcceptingChannel<? extends StreamConnection> channel = UndertowInternals.channel(listener);
			if (this.channels.contains(channel)) {
				continue;
			}
			this.channels.add(channel);
			if (UndertowInternals.acceptRound(channel) == null) {
				logger.warn("terminator closes Undertow's " + listener.getProtcol() + " listener on "
						+ listener.getAddress() + " without serving its backlog: its channel ("
						+ channel.getClass().getName() + ") is not XNIO's NIO listener, and connections waiting"
						+ " in the backlog when it closes are reset");
			}
			OpenListener openListener = UndertowInternals.openListener(listener);
			if (openListener instanceof HttpOpenListener http) {
				UndertowInternals.replaceConnections(http, (existing) -> new TrackingConnectionSet(this, existing));
				for (HttpServerConnection connection : UndertowInternals.connections(http)) {
					adopt(connection);
				}
			}
			else {
				logger.warn("terminator tracks the connections of Undertow's " + listener.getProtcol() + " listener on "
						+ listener.getAddress() + " from their first HTTP/1.1 request only: its "
						+ openListener.getClass().getSimpleName() + " (HTTP/2) is not supported");
			}
		}
	}

	/**
	 * Closes the listening socket of every tracked listener. Requests on connections
	 * already accepted go on being served. Closing a listener resets the connections
	 * waiting in its backlog, whose clients' connect succeeded and who may have written
	 * their requests: each listener is closed on the thread that accepts its connections,
	 * right after accept rounds of its own have emptied the backlog, so that only what
	 * arrives between the two, a matter of microseconds, is refused. Returns once each IO
	 * thread has handed Undertow the connections queued for it.
	 * @throws IOException if a listener failed to close
	 */
	@Override
	public void stopAccepting() throws IOException {
		IOException failure = null;
		Set<XnioWorker> workers = new LinkedHashSet<>();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LISTENER_CLOSE_SECONDS);
		for (AcceptingChannel<? extends StreamConnection> channel : this.channels) {
			workers.add(channel.getWorker());
			try {
				closeServingBacklog(channel, deadline);
			}
			catch (IOException ex) {
				failure = (failure != null) ? failure : ex;
			}
		}
		for (XnioWorker worker : workers) {
			for (int i = 0; i < worker.getIoThreadCount(); i++) {
				// Runs after the tasks that hand the connections accepted to Undertow.
				runOn(worker.getIoThread(i), () -> null, deadline);
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

	private static void closeServingBacklog(AcceptingChannel<? extends StreamConnection> channel, long deadline)
			throws IOException {
		UndertowInternals.AcceptRound accept = UndertowInternals.acceptRound(channel);
		if (accept == null) {
			channel.close();
			return;
		}
		runOn(accept.thread(), () -> {
			// Each round takes up to 128 connections; one that takes none ends the backlog.
			for (int i = 0; i < ACCEPT_ROUNDS; i++) {
				accept.round().run();
			}
			channel.close();
			return null;
		}, deadline);
	}

	/**
	 * Runs a task on an XNIO thread and waits for it, until the deadline.
	 */
	private static void runOn(XnioIoThread thread, Callable<?> task, long deadline) throws IOException {
		CompletableFuture<Object> done = new CompletableFuture<>();
		try {
			thread.execute(() -> {
				try {
					done.complete(task.call());
				}
				catch (Throwable ex) {
					done.completeExceptionally(ex);
				}
			});
			done.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			// The thread is stopping, with its worker: its listeners and connections close.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted while closing a listener", ex);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof IOException io) ? io : new IOException(ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new IOException("A listener of Undertow did not close in " + LISTENER_CLOSE_SECONDS + " s", ex);
		}
	}

	Connections registry() {
		return this.registry;
	}

	/**
	 * Registers a connection and listens for its close. Runs on the connection's IO
	 * thread, the only one that may add a close listener and the one that closes it, so
	 * a closed connection is never registered.
	 */
	void opened(HttpServerConnection connection) {
		if (!connection.isOpen()) {
			return;
		}
		this.connections.computeIfAbsent(connection, (key) -> {
			UndertowConnection tracked = new UndertowConnection(key, this.idleCloses);
			tracked.track(this.registry.open(tracked));
			key.addCloseListener(this::closed);
			return tracked;
		});
	}

	/**
	 * Registers, on its IO thread, a connection accepted before its listener was tracked.
	 */
	private void adopt(HttpServerConnection connection) {
		UndertowConnection.onIoThread(connection, () -> opened(connection));
	}

	private void closed(ServerConnection connection) {
		UndertowConnection closed = this.connections.remove(connection);
		if (closed != null) {
			closed.tracked().onClosed();
		}
	}

	/**
	 * The connection of a request, registered now if it was accepted before its listener
	 * was tracked.
	 * @return the connection, or {@code null} for a connection that is not HTTP/1.1
	 */
	UndertowConnection connection(ServerConnection connection) {
		UndertowConnection tracked = this.connections.get(connection);
		if (tracked == null && connection instanceof HttpServerConnection http
				&& http.getIoThread() == Thread.currentThread()) {
			opened(http);
			tracked = this.connections.get(connection);
		}
		return tracked;
	}

	private static final class RequestTrackingHandler implements HttpHandler {

		private final UndertowServerAdapter adapter;

		private final HttpHandler next;

		private final CloseWhileTerminating closeWhileTerminating;

		RequestTrackingHandler(UndertowServerAdapter adapter, HttpHandler next) {
			this.adapter = adapter;
			this.next = next;
			this.closeWhileTerminating = new CloseWhileTerminating(adapter.registry());
		}

		@Override
		public void handleRequest(HttpServerExchange exchange) throws Exception {
			UndertowConnection connection = this.adapter.connection(exchange.getConnection());
			if (connection != null) {
				connection.tracked().onRequestStarted(exchange.getRequestMethod().toString(), exchange.getRequestPath());
				exchange.addResponseWrapper(this.closeWhileTerminating);
				exchange.addExchangeCompleteListener(connection);
			}
			this.next.handleRequest(exchange);
		}

	}

}
