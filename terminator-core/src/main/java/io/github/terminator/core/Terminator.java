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

import org.jspecify.annotations.Nullable;

import io.github.terminator.core.spi.ServerAdapter;

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

	private final ConnectionRegistry registry;

	private final ServerAdapter server;

	private final TerminatorSettings settings;

	private final List<TerminationListener> listeners;

	private final AtomicReference<Run> run = new AtomicReference<>();

	private volatile TerminationPhase phase = TerminationPhase.SERVING;

	private volatile @Nullable TerminationResult lastResult;

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
	public @Nullable TerminationResult lastResult() {
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

	private void drainStarted() {
		if (this.phase != TerminationPhase.TERMINATED) {
			tellListeners(TerminationListener::drainStarted);
		}
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

		private final Thread thread = new Thread(this::runDrain, "terminator");

		private final Drain drain = new Drain(Terminator.this.registry, Terminator.this.server,
				Terminator.this.settings, Terminator.this::enter, Terminator.this::drainStarted, this.startNanos,
				this.deadlineNanos);

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

		private void runDrain() {
			try {
				finish(this.drain.run(), this.drain.figures().serverError());
			}
			catch (InterruptedException ex) {
				// The max-wait passed and a caller already recorded TIMED_OUT.
				finish(TerminationCode.TIMED_OUT, null);
			}
			catch (Throwable ex) {
				finish(TerminationCode.INTERNAL_ERROR, ex);
			}
		}

		private void finish(TerminationCode code, @Nullable Throwable error) {
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

		private TerminationResult result(TerminationCode code, @Nullable Throwable error) {
			long endNanos = System.nanoTime();
			Instant endedAt = this.startedAt.plusNanos(endNanos - this.startNanos);
			DrainFigures figures = this.drain.figures();
			long drainStart = figures.drainStartNanos();
			Duration delay = Duration.ofNanos((drainStart != 0) ? figures.delayNanos() : endNanos - this.startNanos);
			Duration drain = Duration.ofNanos((drainStart != 0) ? endNanos - drainStart : 0);
			List<TrackedConnection> left = Terminator.this.registry.connections();
			@Nullable ActiveRequest oldestCut = null;
			if (code == TerminationCode.FORCED || code == TerminationCode.TIMED_OUT) {
				oldestCut = figures.oldestCut();
				for (TrackedConnection connection : left) {
					oldestCut = DrainFigures.older(oldestCut, connection.currentRequest());
				}
			}
			ConnectionRegistry registry = Terminator.this.registry;
			StreamRegistry streams = registry.streams();
			if (left.isEmpty()) {
				streams.finishOpen();
			}
			else {
				streams.cutOpen();
			}
			return new TerminationResult(code, message(code, error, left.size(), endNanos), error, this.startedAt,
					endedAt, delay, drain, registry.idleClosedWhileClosing(), registry.requestsCompletedWhileClosing(),
					registry.completedWhileClosing(), registry.webSocketsClosedWhileClosing(), streams.finished(),
					streams.subscriptionsEnded(), streams.cut(), figures.forced(), left.size(), oldestCut);
		}

		private String message(TerminationCode code, @Nullable Throwable error, int left, long endNanos) {
			long millis = TimeUnit.NANOSECONDS.toMillis(endNanos - this.startNanos);
			TerminatorSettings settings = Terminator.this.settings;
			return switch (code) {
				case TERMINATED -> "Every connection ended gracefully in " + millis + " ms.";
				case FORCED -> plural(this.drain.figures().forced(), "connection") + " closed by force at the graceful timeout of "
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

	private static String plural(long count, String noun) {
		return count + " " + noun + ((count == 1) ? "" : "s");
	}

}
