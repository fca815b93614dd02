package io.github.terminator.core;

import io.github.terminator.core.spi.Protocol;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.terminator.core.spi.ConnectionControl;

/**
 * A {@link ConnectionControl} that stands for a server connection: it reports its
 * transitions to the registry as an adapter would, closes itself (calling
 * {@link TrackedConnection#onClosed()}) when asked and allowed, and records what the
 * drain asked of it. It can be made to look busy to {@link #closeIfIdle()}, to ignore
 * {@link #forceClose()}, or to fail.
 * <p>
 * Its methods hold its lock, as a server holds a connection's lock while a worker
 * processes it, so a request cannot start while {@link #closeIfIdle()} looks at it.
 */
final class FakeConnection implements ConnectionControl {

	private final AtomicInteger closeIfIdleCalls = new AtomicInteger();

	private final AtomicInteger forceCloseCalls = new AtomicInteger();

	private final AtomicInteger goAwayCalls = new AtomicInteger();

	private volatile GoAway goAway = GoAway.UNSUPPORTED;

	private volatile long goAwayNanos;

	private TrackedConnection tracked;

	private ConnectionRegistry registry;

	private volatile boolean busy;

	private volatile boolean stuck;

	private volatile boolean handOverLost;

	private volatile Runnable onForced;

	private volatile RuntimeException closeFailure;

	private volatile long closedNanos;

	private FakeConnection() {
	}

	/**
	 * Opens a connection on the registry, in state {@link ConnectionState#NEW NEW}.
	 */
	static FakeConnection open(ConnectionRegistry registry) {
		FakeConnection connection = new FakeConnection();
		connection.registry = registry;
		connection.tracked = TrackedConnection.of(registry.open(connection));
		return connection;
	}

	/**
	 * Opens a connection that has served one request and waits for the next one.
	 */
	static FakeConnection openIdle(ConnectionRegistry registry) {
		FakeConnection connection = open(registry);
		connection.startRequest("GET", "/");
		connection.completeRequest();
		return connection;
	}

	/**
	 * Opens a connection that is processing a request.
	 */
	static FakeConnection openActive(ConnectionRegistry registry, String method, String target) {
		FakeConnection connection = open(registry);
		connection.startRequest(method, target);
		return connection;
	}

	TrackedConnection tracked() {
		return this.tracked;
	}

	synchronized void startRequest(String method, String target) {
		this.tracked.onRequestStarted(method, target);
	}

	/**
	 * Ends the response of the current request as a server does: a response committed
	 * while the registry is closing connections carries {@code Connection: close}, so the
	 * server closes the connection after it; otherwise it is kept alive.
	 */
	synchronized void completeRequest() {
		if (this.registry.isClosingConnections()) {
			close();
		}
		else {
			this.tracked.onRequestCompleted();
		}
	}

	/**
	 * Ends a response that was committed with keep-alive, before the registry started
	 * closing connections: the server keeps the connection.
	 */
	synchronized void completeKeptAliveRequest() {
		this.tracked.onRequestCompleted();
	}

	synchronized void upgrade(Protocol protocol) {
		this.tracked.onUpgraded(protocol);
	}

	/**
	 * What the connection does when told to go away.
	 */
	void onGoAway(GoAway goAway) {
		this.goAway = goAway;
	}

	int goAwayCalls() {
		return this.goAwayCalls.get();
	}

	/**
	 * When the connection was told to go away.
	 * @return the {@link System#nanoTime()} of the first call, {@code 0} before
	 */
	long goAwayNanos() {
		return this.goAwayNanos;
	}

	/**
	 * Whether {@link #closeIfIdle()} finds the connection busy, as a server does when one
	 * of its threads is reading a request on it.
	 */
	void busy(boolean busy) {
		this.busy = busy;
	}

	/**
	 * Makes {@link #closeIfIdle()} take the close over, as a server that closes on its own
	 * thread does, and never close: a close lost on the way.
	 */
	void loseHandedOverClose() {
		this.handOverLost = true;
	}

	/**
	 * Makes {@link #forceClose()} leave the connection open.
	 */
	void stuck() {
		this.stuck = true;
	}

	/**
	 * Makes {@link #closeIfIdle()} throw.
	 */
	void failOnClose(RuntimeException failure) {
		this.closeFailure = failure;
	}

	synchronized void close() {
		if (this.closedNanos == 0) {
			this.closedNanos = System.nanoTime();
			this.tracked.onClosed();
		}
	}

	boolean isClosed() {
		return this.closedNanos != 0;
	}

	/**
	 * When the connection was closed.
	 * @return the {@link System#nanoTime()} of the close, {@code 0} while open
	 */
	long closedNanos() {
		return this.closedNanos;
	}

	int closeIfIdleCalls() {
		return this.closeIfIdleCalls.get();
	}

	int forceCloseCalls() {
		return this.forceCloseCalls.get();
	}

	@Override
	public String remoteAddress() {
		return "127.0.0.1:" + (50000 + this.tracked.id());
	}

	@Override
	public int localPort() {
		return 8080;
	}

	@Override
	public synchronized boolean closeIfIdle() {
		this.closeIfIdleCalls.incrementAndGet();
		RuntimeException failure = this.closeFailure;
		if (failure != null) {
			throw failure;
		}
		if (isClosed()) {
			return true;
		}
		ConnectionState state = this.tracked.state();
		if (this.busy || state == ConnectionState.ACTIVE || state == ConnectionState.UPGRADED) {
			return false;
		}
		if (!this.handOverLost) {
			close();
		}
		return true;
	}

	@Override
	public boolean goAway() {
		if (this.goAwayCalls.getAndIncrement() == 0) {
			this.goAwayNanos = System.nanoTime();
		}
		return switch (this.goAway) {
			case UNSUPPORTED -> false;
			case CLIENT_ANSWERS -> {
				close();
				yield true;
			}
			case CLIENT_SILENT -> true;
		};
	}

	@Override
	public void forceClose() {
		this.forceCloseCalls.incrementAndGet();
		Runnable onForced = this.onForced;
		if (onForced != null) {
			onForced.run();
		}
		if (!this.stuck) {
			close();
		}
	}

	/**
	 * What the server does as the connection is closed by force, before it returns: a
	 * servlet container ends the asynchronous request of a stream on it.
	 */
	void onForced(Runnable onForced) {
		this.onForced = onForced;
	}

	/**
	 * What a connection does when the drain tells it to go away.
	 */
	enum GoAway {

		/** The adapter cannot tell this protocol. */
		UNSUPPORTED,

		/** The client is told and answers at once: the connection closes. */
		CLIENT_ANSWERS,

		/** The client is told and never answers. */
		CLIENT_SILENT

	}

}
