package io.github.terminator.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.terminator.core.spi.ServerAdapter;

/**
 * One drain, as the contract describes it, run once on the terminator's thread: close the
 * listeners, then close what is quiet, and return when nothing is left, or force what
 * remains at the graceful timeout; the caller owns the max-wait. The details (quiet
 * windows, forcing, counts) are one call down.
 */
final class Drain {

	/**
	 * How long before the end of the drain delay responses stop saying
	 * {@code Connection: close}: the clients told to reconnect just before have connected
	 * again by the time the listener closes, and are served, instead of waiting in the
	 * kernel's accept queue for the listener's close to reset them.
	 */
	static final Duration RECONNECT_SETTLE = Duration.ofMillis(100);

	/**
	 * How soon the drain looks again at a quiet connection that the server found busy.
	 */
	private static final long BUSY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	/**
	 * How long before the max-wait the drain forces at the latest, for the forced
	 * connections to be closed and counted before it: a server closes them on its own
	 * threads, which a loaded machine schedules late (50 ms was seen not to be enough).
	 */
	static final long FORCE_RESERVE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

	private final ConnectionRegistry registry;

	private final ServerAdapter server;

	private final TerminatorSettings settings;

	private final Consumer<TerminationPhase> phases;

	private final Runnable drainStarted;

	private final long startNanos;

	private final long deadlineNanos;

	private final DrainFigures figures = new DrainFigures();

	/** Set on the drain's thread once upgraded connections are to be told to go away. */
	private boolean goingAway;

	/**
	 * Creates the drain of one termination.
	 * @param startNanos when the termination started
	 * @param deadlineNanos its max-wait, as the caller computed it: the drain is over by
	 * then
	 */
	Drain(ConnectionRegistry registry, ServerAdapter server, TerminatorSettings settings,
			Consumer<TerminationPhase> phases, Runnable drainStarted, long startNanos, long deadlineNanos) {
		this.registry = registry;
		this.server = server;
		this.settings = settings;
		this.phases = phases;
		this.drainStarted = drainStarted;
		this.startNanos = startNanos;
		this.deadlineNanos = deadlineNanos;
	}

	/**
	 * What the drain did, so far.
	 * @return the figures
	 */
	DrainFigures figures() {
		return this.figures;
	}

	/**
	 * Drains the server.
	 * @return how it ended
	 * @throws InterruptedException when the caller gave up on it at the max-wait
	 */
	TerminationCode run() throws InterruptedException {
		this.registry.watch();
		this.registry.beginTermination();
		if (!this.settings.drainDelay().isZero()) {
			delay();
		}
		long drainStartNanos = System.nanoTime();
		this.figures.delayEnded(this.settings.drainDelay().isZero() ? 0 : drainStartNanos - this.startNanos,
				drainStartNanos);
		this.phases.accept(TerminationPhase.DRAINING);
		stopAccepting();
		// Only now that a new connection is refused may clients be told to open one.
		this.registry.startClosingConnections();
		// Subscriptions end first, so that the application, told next, sees only its own
		// streams left to end.
		endSubscriptions();
		this.drainStarted.run();
		// After the delay, not during it: a client told to go away during the delay would
		// reconnect to this instance, still in its load balancer's pool, and be told again.
		this.goingAway = true;
		if (closeQuietConnectionsUntil(gracefulEnd(), true)) {
			return ended(true);
		}
		// A quiet period longer than what is left of the graceful timeout: those
		// connections are closed as idle, not cut.
		closeIdleConnections();
		if (Forcing.anyToForce(this.registry)) {
			this.phases.accept(TerminationPhase.FORCING);
			Forcing.forceRemaining(this.registry, this.figures);
		}
		return ended(awaitEmpty());
	}

	private void stopAccepting() {
		try {
			this.server.stopAccepting();
		}
		catch (Exception ex) {
			serverFailed(ex);
		}
	}

	/**
	 * Forced connections must be closed before the max-wait gives up on them: when the
	 * two coincide, force a moment earlier.
	 */
	private long gracefulEnd() {
		return Math.min(this.figures.drainStartNanos() + this.settings.gracefulTimeout().toNanos(),
				this.deadlineNanos - FORCE_RESERVE_NANOS);
	}

	private TerminationCode ended(boolean drained) {
		return (this.figures.serverError() != null) ? TerminationCode.SERVER_ERROR
				: !drained ? TerminationCode.TIMED_OUT
						: (this.figures.forced() > 0) ? TerminationCode.FORCED : TerminationCode.TERMINATED;
	}

	/**
	 * Keeps serving with the listener open, every response closing its connection,
	 * but for the {@link #RECONNECT_SETTLE} at the end.
	 */
	private void delay() throws InterruptedException {
		ConnectionRegistry registry = this.registry;
		TerminatorSettings settings = this.settings;
		this.phases.accept(TerminationPhase.DELAYING);
		registry.startClosingConnections();
		long delayEnd = Math.min(this.startNanos + settings.drainDelay().toNanos(), this.deadlineNanos);
		long settleStart = Math.max(this.startNanos, delayEnd - RECONNECT_SETTLE.toNanos());
		closeQuietConnectionsUntil(settleStart, false);
		registry.keepConnectionsAlive();
		closeQuietConnectionsUntil(delayEnd, false);
	}

	/**
	 * Closes each NEW connection once it has been quiet for the
	 * {@link Terminator#NEW_CONNECTION_QUIET_WINDOW}, and each IDLE one once it has been quiet for
	 * the quiet period, waking up when a connection opens or turns idle, when the
	 * last one is gone, and when a quiet window or a retry is due, until
	 * {@code endNanos} or, with {@code stopWhenEmpty}, until no connection is left.
	 * @return whether the registry is empty
	 */
	private boolean closeQuietConnectionsUntil(long endNanos, boolean stopWhenEmpty)
			throws InterruptedException {
		ConnectionRegistry registry = this.registry;
		while (true) {
			long token = registry.changeToken();
			long now = System.nanoTime();
			long wakeUp = closeQuietConnections(now, endNanos);
			if (stopWhenEmpty && registry.isEmpty()) {
				return true;
			}
			if (now - endNanos >= 0) {
				return registry.isEmpty();
			}
			registry.awaitChange(token, wakeUp - now);
		}
	}

	/**
	 * @return the time to look again at the connections, at the latest {@code endNanos}
	 */
	private long closeQuietConnections(long now, long endNanos) {
		long wakeUp = endNanos;
		if (this.goingAway) {
			// A subscription opened on a connection still served since.
			endSubscriptions();
		}
		long newWindowNanos = Terminator.NEW_CONNECTION_QUIET_WINDOW.toNanos();
		long idleWindowNanos = this.settings.quietPeriod().toNanos();
		for (TrackedConnection connection : this.registry.live()) {
			if (this.goingAway && isUpgraded(connection) && !connection.isToldGoingAway()) {
				goAway(connection);
			}
			if (!isIdle(connection) || connection.isClosed() || connection.isCloseRequested()) {
				continue;
			}
			long window = (connection.state() == ConnectionState.NEW) ? newWindowNanos : idleWindowNanos;
			long quietUntil = connection.quietSinceNanos() + window;
			if (now - quietUntil < 0) {
				wakeUp = earliest(wakeUp, quietUntil);
				continue;
			}
			if (closeIfIdle(connection)) {
				// Counted by the registry once it is closed, which may come later when
				// the server closes it on its own thread.
				connection.markCloseRequested();
			}
			else {
				wakeUp = earliest(wakeUp, now + BUSY_RETRY_NANOS);
			}
		}
		return wakeUp;
	}

	/**
	 * Tells an upgraded connection, in its protocol, that the server is going away; it then
	 * ends on its own. One the adapter cannot tell is forced at the graceful timeout.
	 */
	private void goAway(TrackedConnection connection) {
		connection.markToldGoingAway();
		try {
			connection.control().goAway();
		}
		catch (RuntimeException ex) {
			serverFailed(ex);
		}
	}

	/**
	 * Ends every declared subscription cleanly, so that its client reconnects to another
	 * instance now rather than be cut at the graceful timeout.
	 */
	private void endSubscriptions() {
		this.registry.streams().endSubscriptions();
	}

	private boolean closeIfIdle(TrackedConnection connection) {
		try {
			return connection.control().closeIfIdle();
		}
		catch (RuntimeException ex) {
			serverFailed(ex);
			return false;
		}
	}

	private void closeIdleConnections() {
		for (TrackedConnection connection : this.registry.live()) {
			if (isIdle(connection) && !connection.isClosed() && !connection.isCloseRequested()
					&& closeIfIdle(connection)) {
				connection.markCloseRequested();
			}
		}
	}

	/**
	 * Whether a connection is waiting for a request, and may be closed when quiet. An idle
	 * HTTP/2 connection is not: it is told to go away, and closes after its GOAWAY.
	 */
	static boolean isIdle(TrackedConnection connection) {
		ConnectionState state = connection.state();
		return (state == ConnectionState.NEW || state == ConnectionState.IDLE) && !connection.isMultiplexed();
	}

	/**
	 * Whether a connection speaks another protocol than HTTP/1.1, to be told to go away
	 * in it.
	 */
	private static boolean isUpgraded(TrackedConnection connection) {
		return connection.state() == ConnectionState.UPGRADED || connection.isMultiplexed();
	}

	private boolean awaitEmpty() throws InterruptedException {
		ConnectionRegistry registry = this.registry;
		while (true) {
			long token = registry.changeToken();
			if (registry.isEmpty()) {
				return true;
			}
			long remaining = this.deadlineNanos - System.nanoTime();
			if (remaining <= 0) {
				return false;
			}
			registry.awaitChange(token, remaining);
		}
	}

	private void serverFailed(Throwable ex) {
		this.figures.serverFailed(ex);
	}

	private static long earliest(long a, long b) {
		return (a - b <= 0) ? a : b;
	}

}
