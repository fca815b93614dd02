package io.github.terminator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.Protocol;

/**
 * One connection of the embedded server, tracked from accept to close.
 * <p>
 * What applications, the endpoint and the meters read; any thread may. Server adapters
 * report its transitions through the {@link ConnectionEvents} the registry gave them when
 * they opened it; the drain only reads them and acts through the adapter's
 * {@link ConnectionControl}.
 */
public final class TrackedConnection {

	/** The protocol of a connection that was not upgraded. */
	public static final String HTTP_1_1 = Protocol.HTTP_1_1.id();

	/** The protocol of a connection upgraded to WebSocket (RFC 6455). */
	public static final String WEBSOCKET = Protocol.WEBSOCKET.id();

	/** HTTP/2 over TLS, negotiated with ALPN (RFC 9113). */
	public static final String H2 = Protocol.H2.id();

	/** HTTP/2 over cleartext TCP, by upgrade or with prior knowledge (RFC 9113). */
	public static final String H2C = Protocol.H2C.id();

	private final long id;

	private final ConnectionRegistry registry;

	private final ConnectionControl control;

	private final long openedAtMillis;

	private final long openedNanos;

	private volatile ConnectionState state = ConnectionState.NEW;

	private volatile Protocol protocol = Protocol.HTTP_1_1;

	private volatile boolean toldGoingAway;

	/** The streams of an HTTP/2 connection being processed, oldest first; guarded by itself. */
	private final List<ActiveRequest> streams = new ArrayList<>();

	private volatile int activeStreams;

	private volatile @Nullable ActiveRequest currentRequest;

	private volatile long requestsServed;

	private volatile long quietSinceNanos;

	private volatile boolean forced;

	private volatile boolean closeRequested;

	private volatile long closeRequestedNanos;

	private volatile boolean closed;

	private final ConnectionEvents events = new Events();

	TrackedConnection(long id, ConnectionRegistry registry, ConnectionControl control) {
		this.id = id;
		this.registry = registry;
		this.control = control;
		this.openedAtMillis = System.currentTimeMillis();
		this.openedNanos = System.nanoTime();
		this.quietSinceNanos = this.openedNanos;
	}

	/**
	 * Identifier, unique within the registry, increasing with the order of accept.
	 * @return the id
	 */
	public long id() {
		return this.id;
	}

	/**
	 * Address of the client.
	 * @return the remote address as {@code host:port}
	 */
	public String remoteAddress() {
		return this.control.remoteAddress();
	}

	/**
	 * Port the connection was accepted on.
	 * @return the local port
	 */
	public int localPort() {
		return this.control.localPort();
	}

	/**
	 * When the connection was accepted.
	 * @return the accept time
	 */
	public Instant openedAt() {
		return Instant.ofEpochMilli(this.openedAtMillis);
	}

	/**
	 * How long the connection has been open.
	 * @return the time since accept
	 */
	public Duration age() {
		return Duration.ofNanos(System.nanoTime() - this.openedNanos);
	}

	/**
	 * Current state.
	 * @return the state
	 */
	public ConnectionState state() {
		return this.state;
	}

	/**
	 * The protocol the connection speaks: {@link #HTTP_1_1}, or what it was upgraded to,
	 * {@link #WEBSOCKET}, {@link #H2} or {@link #H2C}.
	 * @return the protocol name
	 */
	public String protocol() {
		return this.protocol.id();
	}

	/**
	 * How many requests completed on this connection.
	 * @return the number of requests served
	 */
	public long requestsServed() {
		return this.requestsServed;
	}

	/**
	 * The request being processed, for an {@link ConnectionState#ACTIVE ACTIVE}
	 * connection.
	 * @return the current request, or {@code null} when the connection is not active
	 */
	public @Nullable ActiveRequest currentRequest() {
		if (this.activeStreams > 0) {
			synchronized (this.streams) {
				return this.streams.isEmpty() ? null : this.streams.get(0);
			}
		}
		return this.currentRequest;
	}

	/**
	 * How many requests are being processed on the connection: its HTTP/2 streams, or
	 * one for an {@link ConnectionState#ACTIVE ACTIVE} HTTP/1.1 connection.
	 * @return the number of requests in flight
	 */
	public int requestsInFlight() {
		int streams = this.activeStreams;
		return (streams > 0) ? streams : (this.currentRequest != null) ? 1 : 0;
	}

	/**
	 * Whether the connection carries several requests at once (HTTP/2): it is told to go
	 * away rather than closed when idle.
	 * @return {@code true} for {@link #H2} and {@link #H2C}
	 */
	boolean isMultiplexed() {
		return this.protocol.isMultiplexed();
	}

	/**
	 * The adapter's handle on this connection.
	 * @return the control
	 */
	ConnectionControl control() {
		return this.control;
	}

	/**
	 * Since when, in {@link System#nanoTime()}, the connection has been waiting for a
	 * request: its accept, or the end of its last response.
	 * @return the nano time the connection became quiet
	 */
	long quietSinceNanos() {
		return this.quietSinceNanos;
	}

	/**
	 * Marks the connection as closed by force, so that its end is not counted as a
	 * completed request.
	 */
	void markForced() {
		this.forced = true;
	}

	/**
	 * Records that the drain asked the adapter to close this idle connection, so that it
	 * does not ask again while an adapter that closes on the server's own thread is at it.
	 */
	void markCloseRequested() {
		this.closeRequestedNanos = System.nanoTime();
		this.closeRequested = true;
	}

	/**
	 * When the drain last asked for this connection to be closed.
	 * @return the {@link System#nanoTime()} of the request
	 */
	long closeRequestedNanos() {
		return this.closeRequestedNanos;
	}

	/**
	 * Records that the drain told the client that the server is going away.
	 */
	void markToldGoingAway() {
		this.toldGoingAway = true;
	}

	/**
	 * Whether the drain told the client that the server is going away.
	 * @return {@code true} once {@link ConnectionControl#goAway()} was called for it
	 */
	boolean isToldGoingAway() {
		return this.toldGoingAway;
	}

	/**
	 * Whether the drain asked for this connection to be closed and no request started on
	 * it since.
	 * @return {@code true} while a close asked for by the drain is pending
	 */
	boolean isCloseRequested() {
		return this.closeRequested;
	}

	/**
	 * Called when the connection's TLS handshake completed: a connection that has not sent
	 * a request yet is quiet from now on, not from its accept.
	 */
	void onHandshakeCompleted() {
		if (this.state == ConnectionState.NEW) {
			this.quietSinceNanos = System.nanoTime();
			this.registry.changed();
		}
	}

	/**
	 * Called when a request head has been parsed and the request is handed to the
	 * application.
	 * @param method the HTTP method
	 * @param target the request path; a query string is stripped
	 */
	void onRequestStarted(String method, String target) {
		if (this.state == ConnectionState.ACTIVE) {
			// A pipelined request: the previous one has been answered.
			this.requestsServed++;
		}
		this.currentRequest = new ActiveRequest(method, target, System.nanoTime());
		this.state = ConnectionState.ACTIVE;
		// The request won the race with a close the drain asked for: it is served, and the
		// connection is closed after it.
		this.closeRequested = false;
	}

	/**
	 * Called when the response of the current request is complete and the connection is
	 * kept alive for another one. Has no effect unless a request was running.
	 * <p>
	 * A response committed while the server terminates carries {@code Connection: close}:
	 * the server closes its connection after it and reports {@link #onClosed()} instead.
	 * So a connection that comes here during a termination was promised keep-alive before
	 * it started; its client may be sending the next request right now, so it is not closed
	 * at once but gets the drain's quiet window like any idle connection.
	 */
	void onRequestCompleted() {
		if (this.state != ConnectionState.ACTIVE || this.forced) {
			return;
		}
		this.currentRequest = null;
		this.requestsServed++;
		this.quietSinceNanos = System.nanoTime();
		this.state = ConnectionState.IDLE;
		this.registry.requestCompleted();
		this.registry.changed();
	}

	/**
	 * Called when the response of the current request is complete and the server closes
	 * the connection after it ({@code Connection: close}), for servers that may keep the
	 * socket a while longer to let the client read everything (Undertow waits for the
	 * client's FIN). The request counts as completed now; the connection stays
	 * {@link ConnectionState#ACTIVE ACTIVE}, so that the drain never takes it for an idle
	 * one, until {@link #onClosed()}. Has no effect unless a request was running.
	 */
	void onLastResponseCompleted() {
		if (this.state != ConnectionState.ACTIVE || this.currentRequest == null || this.forced) {
			// A server may end the exchange of a connection closed by force: that request
			// was cut, not completed.
			return;
		}
		this.currentRequest = null;
		this.requestsServed++;
		this.registry.requestCompleted();
	}

	/**
	 * Called when the connection switched to another protocol. An HTTP/2 connection is
	 * {@link ConnectionState#ACTIVE ACTIVE} while a stream is, {@link ConnectionState#IDLE
	 * IDLE} otherwise; any other is {@link ConnectionState#UPGRADED UPGRADED}.
	 * @param protocol what it speaks now
	 */
	void onUpgraded(Protocol protocol) {
		if (protocol == this.protocol && this.state != ConnectionState.ACTIVE) {
			// A server that reports each round of processing of an upgraded connection.
			return;
		}
		boolean wasActive = this.state == ConnectionState.ACTIVE && this.currentRequest != null;
		this.protocol = protocol;
		this.currentRequest = null;
		if (isMultiplexed()) {
			// The upgrade request, if any, is served as the connection's first stream.
			this.state = (this.activeStreams > 0) ? ConnectionState.ACTIVE : ConnectionState.IDLE;
			this.quietSinceNanos = System.nanoTime();
		}
		else {
			if (wasActive) {
				this.requestsServed++;
			}
			this.state = ConnectionState.UPGRADED;
		}
		this.registry.changed();
	}

	/**
	 * Called when a stream of an HTTP/2 connection is handed to the application.
	 * @param method the HTTP method
	 * @param target the request path; a query string is stripped
	 * @return the stream's request, to give back to {@link #onStreamCompleted}
	 */
	ActiveRequest onStreamStarted(String method, String target) {
		ActiveRequest stream = new ActiveRequest(method, target, System.nanoTime());
		synchronized (this.streams) {
			this.streams.add(stream);
			this.activeStreams = this.streams.size();
			if (!this.closed) {
				this.state = ConnectionState.ACTIVE;
			}
		}
		return stream;
	}

	/**
	 * Called when the response of a stream of an HTTP/2 connection is complete, or the
	 * stream was reset. Has no effect for a stream already completed, or once the
	 * connection was closed by force.
	 * @param stream what {@link #onStreamStarted} returned
	 */
	void onStreamCompleted(ActiveRequest stream) {
		synchronized (this.streams) {
			if (!removeSame(stream) || this.forced) {
				return;
			}
			this.activeStreams = this.streams.size();
			this.requestsServed++;
			if (this.streams.isEmpty() && !this.closed) {
				this.state = ConnectionState.IDLE;
				this.quietSinceNanos = System.nanoTime();
			}
		}
		this.registry.requestCompleted();
		this.registry.changed();
	}

	private boolean removeSame(ActiveRequest stream) {
		for (Iterator<ActiveRequest> it = this.streams.iterator(); it.hasNext();) {
			if (it.next() == stream) {
				it.remove();
				return true;
			}
		}
		return false;
	}

	/**
	 * Called once the connection is closed, whoever closed it. Calling it again, from any
	 * thread, has no effect.
	 */
	void onClosed() {
		synchronized (this.streams) {
			// Once, whichever of the server's threads tell it first.
			if (this.closed) {
				return;
			}
			this.closed = true;
			if (!this.forced) {
				// Streams whose responses ended with the connection.
				for (int i = 0; i < this.streams.size(); i++) {
					this.requestsServed++;
					this.registry.requestCompleted();
				}
			}
			this.streams.clear();
			this.activeStreams = 0;
		}
		if (this.currentRequest != null && !this.forced) {
			// The response ended with the connection (Connection: close), or the client
			// went away. The state stays ACTIVE until the connection is gone from the
			// registry, so that the drain never takes it for an idle one.
			this.currentRequest = null;
			this.requestsServed++;
			this.registry.requestCompleted();
		}
		this.registry.remove(this, this.forced ? Ending.FORCED
				: (this.state == ConnectionState.NEW || this.state == ConnectionState.IDLE) ? Ending.IDLE
						: Ending.COMPLETED);
	}

	/**
	 * Whether the connection has been closed.
	 * @return {@code true} once {@link #onClosed()} was called
	 */
	boolean isClosed() {
		return this.closed;
	}

	/**
	 * How a connection ended.
	 */
	enum Ending {

		/** Closed while no request was running on it, by the drain or by its client. */
		IDLE,

		/** Ended after its last response, or by its client while a request ran. */
		COMPLETED,

		/** Closed by force. */
		FORCED

	}

	/**
	 * The connection an adapter reports through, for the core's own tests.
	 * @param events what the registry gave the adapter
	 * @return the connection
	 */
	static TrackedConnection of(ConnectionEvents events) {
		return ((Events) events).connection();
	}

	/**
	 * The adapter's side of the connection.
	 */
	ConnectionEvents events() {
		return this.events;
	}

	/**
	 * The transitions a server adapter reports, kept off the connection applications
	 * read.
	 */
	private final class Events implements ConnectionEvents {

		TrackedConnection connection() {
			return TrackedConnection.this;
		}

		@Override
		public void onHandshakeCompleted() {
			TrackedConnection.this.onHandshakeCompleted();
		}

		@Override
		public boolean isIdle() {
			ConnectionState state = TrackedConnection.this.state;
			return state == ConnectionState.NEW || state == ConnectionState.IDLE;
		}

		@Override
		public boolean isNew() {
			return TrackedConnection.this.state == ConnectionState.NEW;
		}

		@Override
		public Protocol protocol() {
			return TrackedConnection.this.protocol;
		}

		@Override
		public void onRequestStarted(String method, String target) {
			TrackedConnection.this.onRequestStarted(method, target);
		}

		@Override
		public void onRequestCompleted() {
			TrackedConnection.this.onRequestCompleted();
		}

		@Override
		public void onLastResponseCompleted() {
			TrackedConnection.this.onLastResponseCompleted();
		}

		@Override
		public void onUpgraded(Protocol protocol) {
			TrackedConnection.this.onUpgraded(protocol);
		}

		@Override
		public Stream onStreamStarted(String method, String target) {
			ActiveRequest stream = TrackedConnection.this.onStreamStarted(method, target);
			return () -> TrackedConnection.this.onStreamCompleted(stream);
		}

		@Override
		public void onClosed() {
			TrackedConnection.this.onClosed();
		}

		@Override
		public String toString() {
			return TrackedConnection.this.toString();
		}

	}

	@Override
	public String toString() {
		return "TrackedConnection[id=" + this.id + ", protocol=" + this.protocol + ", state=" + this.state
				+ ", requestsServed=" + this.requestsServed + "]";
	}

}
