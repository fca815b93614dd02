package io.github.terminator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Shuts the server down without hurting a client: the drain algorithm of the contract.
 * <p>
 * {@link #terminate()} runs once. It delays (when a drain delay is set), closes the
 * listeners, closes quiet connections, lets in-flight requests finish with
 * {@code Connection: close}, forces what remains at the graceful timeout, and returns by
 * the max-wait whatever happens. A second or concurrent call returns the same result.
 */
public final class Terminator {

	/**
	 * How long a connection that has not sent a request yet must have been quiet since its
	 * accept before the drain closes it: a client that has just connected is writing its
	 * request right now. A kept-alive connection gets the longer
	 * {@link TerminatorSettings#quietPeriod() quiet period}, which is about its client's
	 * pool.
	 */
	public static final Duration NEW_CONNECTION_QUIET_WINDOW = Duration.ofMillis(100);

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
	 * connections to be closed and counted before it.
	 */
	private static final long FORCE_RESERVE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	private final ConnectionRegistry registry;

	private final ServerAdapter server;

	private final TerminatorSettings settings;

	private final List<TerminationListener> listeners;

	private final AtomicReference<Run> run = new AtomicReference<>();

	private volatile TerminationPhase phase = TerminationPhase.SERVING;

	private volatile TerminationResult lastResult;

	/**
	 * Creates a terminator for one server.
	 * @param registry the connections of the server
	 * @param server the server's adapter
	 * @param settings the bounds of a termination
	 * @param listeners told about phases and the result
	 */
	public Terminator(ConnectionRegistry registry, ServerAdapter server, TerminatorSettings settings,
			List<TerminationListener> listeners) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.server = Objects.requireNonNull(server, "server");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.listeners = List.copyOf(listeners);
	}

	/**
	 * Terminates the server's connections, once. Never throws; returns by the max-wait.
	 * @return the result of the termination, the same for every call
	 */
	public TerminationResult terminate() {
		Run current = this.run.get();
		if (current == null) {
			Run created = new Run();
			if (this.run.compareAndSet(null, created)) {
				created.start();
			}
			current = this.run.get();
		}
		return current.await();
	}

	/**
	 * The phase in force.
	 * @return the current phase
	 */
	public TerminationPhase phase() {
		return this.phase;
	}

	/**
	 * The result of the termination, once it has ended.
	 * @return the result, or {@code null} while none has ended
	 */
	public TerminationResult lastResult() {
		return this.lastResult;
	}

	/**
	 * The bounds this terminator applies.
	 * @return the settings
	 */
	public TerminatorSettings settings() {
		return this.settings;
	}

	/**
	 * The connections this terminator drains.
	 * @return the registry
	 */
	public ConnectionRegistry registry() {
		return this.registry;
	}

	private void enter(TerminationPhase next) {
		synchronized (this) {
			if (this.phase == TerminationPhase.TERMINATED) {
				// The max-wait passed and the result is recorded: a drain still running
				// must not move the phase back nor report it.
				return;
			}
			this.phase = next;
		}
		tellListeners((listener) -> listener.phaseStarted(next));
	}

	/**
	 * Calls every listener, outside any lock, so that a slow listener cannot hold back a
	 * caller that reached the max-wait.
	 */
	private void tellListeners(Consumer<TerminationListener> call) {
		for (TerminationListener listener : this.listeners) {
			try {
				call.accept(listener);
			}
			catch (Throwable ex) {
				// A listener must not stop the drain, nor make terminate() throw (a
				// LinkageError from an optional library is not a RuntimeException).
			}
		}
	}

	/**
	 * One termination: the drain runs on its own thread so that callers can give up on it
	 * at the max-wait.
	 */
	private final class Run {

		private final Instant startedAt = Instant.now();

		private final long startNanos = System.nanoTime();

		private final long deadlineNanos = this.startNanos + Terminator.this.settings.maxWait().toNanos();

		private final CompletableFuture<TerminationResult> outcome = new CompletableFuture<>();

		private final Thread thread = new Thread(this::drain, "terminator");

		private volatile long delayNanos;

		private volatile long drainStartNanos;

		private volatile long forced;

		private volatile Throwable serverError;

		private volatile ActiveRequest oldestActiveAtForce;

		private boolean finished;

		void start() {
			this.thread.setDaemon(true);
			this.thread.start();
		}

		TerminationResult await() {
			boolean interrupted = false;
			try {
				while (true) {
					long remaining = this.deadlineNanos - System.nanoTime();
					try {
						return this.outcome.get(Math.max(remaining, 0), TimeUnit.NANOSECONDS);
					}
					catch (InterruptedException ex) {
						// Shutdown must not be cut short by an interrupt: wait on, then
						// restore the flag.
						interrupted = true;
					}
					catch (TimeoutException ex) {
						finish(TerminationCode.TIMED_OUT, null);
						this.thread.interrupt();
						// Recorded before any listener is told, by this thread or the drain.
						return Terminator.this.lastResult;
					}
					catch (ExecutionException ex) {
						// Not reached: the outcome is only ever completed normally.
						finish(TerminationCode.INTERNAL_ERROR, ex.getCause());
						return Terminator.this.lastResult;
					}
				}
			}
			finally {
				if (interrupted) {
					Thread.currentThread().interrupt();
				}
			}
		}

		private void drain() {
			try {
				ConnectionRegistry registry = Terminator.this.registry;
				TerminatorSettings settings = Terminator.this.settings;
				registry.watch();
				registry.beginTermination();
				if (!settings.drainDelay().isZero()) {
					delay(registry, settings);
				}
				this.drainStartNanos = System.nanoTime();
				this.delayNanos = settings.drainDelay().isZero() ? 0 : this.drainStartNanos - this.startNanos;
				enter(TerminationPhase.DRAINING);
				try {
					Terminator.this.server.stopAccepting();
				}
				catch (Exception ex) {
					serverFailed(ex);
				}
				// Only now that a new connection is refused may clients be told to open one.
				registry.startClosingConnections();
				// Forced connections must be closed before the max-wait gives up on them:
				// when the two coincide, force a moment earlier.
				long gracefulEnd = Math.min(this.drainStartNanos + settings.gracefulTimeout().toNanos(),
						this.deadlineNanos - FORCE_RESERVE_NANOS);
				boolean drained = closeQuietConnectionsUntil(gracefulEnd, true);
				if (!drained) {
					// A quiet period longer than what is left of the graceful timeout: those
					// connections are closed as idle, not cut.
					closeIdleConnections();
					if (anyToForce()) {
						enter(TerminationPhase.FORCING);
						forceAll();
					}
					drained = awaitEmpty();
				}
				TerminationCode code = (this.serverError != null) ? TerminationCode.SERVER_ERROR
						: !drained ? TerminationCode.TIMED_OUT
								: (this.forced > 0) ? TerminationCode.FORCED : TerminationCode.TERMINATED;
				finish(code, this.serverError);
			}
			catch (InterruptedException ex) {
				// The max-wait passed and a caller already recorded TIMED_OUT.
				finish(TerminationCode.TIMED_OUT, null);
			}
			catch (Throwable ex) {
				finish(TerminationCode.INTERNAL_ERROR, ex);
			}
		}

		/**
		 * Keeps serving with the listener open, every response closing its connection,
		 * but for the {@link #RECONNECT_SETTLE} at the end.
		 */
		private void delay(ConnectionRegistry registry, TerminatorSettings settings) throws InterruptedException {
			enter(TerminationPhase.DELAYING);
			registry.startClosingConnections();
			long delayEnd = Math.min(this.startNanos + settings.drainDelay().toNanos(), this.deadlineNanos);
			long settleStart = Math.max(this.startNanos, delayEnd - RECONNECT_SETTLE.toNanos());
			closeQuietConnectionsUntil(settleStart, false);
			registry.keepConnectionsAlive();
			closeQuietConnectionsUntil(delayEnd, false);
		}

		/**
		 * Closes each NEW connection once it has been quiet for the
		 * {@link #NEW_CONNECTION_QUIET_WINDOW}, and each IDLE one once it has been quiet for
		 * the quiet period, waking up when a connection opens or turns idle, when the
		 * last one is gone, and when a quiet window or a retry is due, until
		 * {@code endNanos} or, with {@code stopWhenEmpty}, until no connection is left.
		 * @return whether the registry is empty
		 */
		private boolean closeQuietConnectionsUntil(long endNanos, boolean stopWhenEmpty)
				throws InterruptedException {
			ConnectionRegistry registry = Terminator.this.registry;
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
			long newWindowNanos = NEW_CONNECTION_QUIET_WINDOW.toNanos();
			long idleWindowNanos = Terminator.this.settings.quietPeriod().toNanos();
			for (TrackedConnection connection : Terminator.this.registry.live()) {
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
			for (TrackedConnection connection : Terminator.this.registry.live()) {
				if (isIdle(connection) && !connection.isClosed() && !connection.isCloseRequested()
						&& closeIfIdle(connection)) {
					connection.markCloseRequested();
				}
			}
		}

		private boolean anyToForce() {
			for (TrackedConnection connection : Terminator.this.registry.live()) {
				if (!isClosing(connection)) {
					return true;
				}
			}
			return false;
		}

		/**
		 * Whether a connection is closed, or idle with its close handed to the server.
		 */
		private boolean isClosing(TrackedConnection connection) {
			return connection.isClosed() || (connection.isCloseRequested() && isIdle(connection));
		}

		private boolean isIdle(TrackedConnection connection) {
			ConnectionState state = connection.state();
			return state == ConnectionState.NEW || state == ConnectionState.IDLE;
		}

		private void forceAll() {
			for (TrackedConnection connection : Terminator.this.registry.connections()) {
				if (isClosing(connection)) {
					continue;
				}
				this.oldestActiveAtForce = older(this.oldestActiveAtForce, connection.currentRequest());
				connection.markForced();
				try {
					connection.control().forceClose();
				}
				catch (RuntimeException ex) {
					serverFailed(ex);
				}
				this.forced++;
			}
		}

		private boolean awaitEmpty() throws InterruptedException {
			ConnectionRegistry registry = Terminator.this.registry;
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
			if (this.serverError == null) {
				this.serverError = ex;
			}
		}

		private void finish(TerminationCode code, Throwable error) {
			TerminationResult result;
			synchronized (Terminator.this) {
				if (this.finished) {
					return;
				}
				this.finished = true;
				result = result(code, error);
				Terminator.this.lastResult = result;
				Terminator.this.phase = TerminationPhase.TERMINATED;
			}
			tellListeners((listener) -> listener.phaseStarted(TerminationPhase.TERMINATED));
			tellListeners((listener) -> listener.terminated(result));
			this.outcome.complete(result);
		}

		private TerminationResult result(TerminationCode code, Throwable error) {
			long endNanos = System.nanoTime();
			Instant endedAt = this.startedAt.plusNanos(endNanos - this.startNanos);
			long drainStart = this.drainStartNanos;
			Duration delay = Duration.ofNanos((drainStart != 0) ? this.delayNanos : endNanos - this.startNanos);
			Duration drain = Duration.ofNanos((drainStart != 0) ? endNanos - drainStart : 0);
			List<TrackedConnection> left = Terminator.this.registry.connections();
			ActiveRequest oldestCut = null;
			if (code == TerminationCode.FORCED || code == TerminationCode.TIMED_OUT) {
				oldestCut = this.oldestActiveAtForce;
				for (TrackedConnection connection : left) {
					oldestCut = older(oldestCut, connection.currentRequest());
				}
			}
			ConnectionRegistry registry = Terminator.this.registry;
			return new TerminationResult(code, message(code, error, left.size(), endNanos), error, this.startedAt,
					endedAt, delay, drain, registry.idleClosedWhileClosing(), registry.requestsCompletedWhileClosing(),
					registry.completedWhileClosing(), this.forced, left.size(), oldestCut);
		}

		private String message(TerminationCode code, Throwable error, int left, long endNanos) {
			long millis = TimeUnit.NANOSECONDS.toMillis(endNanos - this.startNanos);
			TerminatorSettings settings = Terminator.this.settings;
			return switch (code) {
				case TERMINATED -> "Every connection ended gracefully in " + millis + " ms.";
				case FORCED -> plural(this.forced, "connection") + " closed by force at the graceful timeout of "
						+ TerminatorSettings.format(settings.gracefulTimeout()) + ".";
				case TIMED_OUT -> (left > 0)
						? "Max-wait of " + TerminatorSettings.format(settings.maxWait()) + " reached with " + plural(left, "connection")
								+ " still open."
						: "Max-wait of " + TerminatorSettings.format(settings.maxWait()) + " reached before the server finished closing.";
				case SERVER_ERROR -> "The server failed while closing: " + error + ".";
				case INTERNAL_ERROR -> "terminator failed: " + error + ".";
			};
		}

	}

	private static long earliest(long a, long b) {
		return (a - b <= 0) ? a : b;
	}

	private static ActiveRequest older(ActiveRequest a, ActiveRequest b) {
		if (a == null) {
			return b;
		}
		if (b == null) {
			return a;
		}
		return (a.startNanos() - b.startNanos() <= 0) ? a : b;
	}

	private static String plural(long count, String noun) {
		return count + " " + noun + ((count == 1) ? "" : "s");
	}

}
