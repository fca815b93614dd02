package io.github.terminator.core.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The idle connections the drain hands an adapter to be closed, closed on the server's
 * own threads (a selector's, an IO thread, an event loop) in batches: one task on each
 * thread for what has been handed over since its last one, not one per connection. A
 * batch first looks at each of its connections and tells its client the close (a FIN),
 * then closes them all in the server: with thousands of idle connections on one thread,
 * the server's close of each (listeners, deregistration, a select) would otherwise hold
 * back the FIN of the next. The thread reads no request in between: none is taken in to
 * be lost.
 * @param <T> a thread of the server's, as the adapter names it
 * @param <C> the adapter's connection
 */
public final class IdleCloses<T, C> {

	private final Map<T, Batch> batches = new ConcurrentHashMap<>();

	private final Function<? super T, ? extends Executor> executor;

	private final BiPredicate<? super T, ? super C> tellIfIdle;

	private final Consumer<? super C> close;

	/**
	 * Creates the batches of an adapter.
	 * @param executor runs a task on a thread of the server's; it may throw
	 * {@link RejectedExecutionException} once the thread stops
	 * @param tellIfIdle on that thread: whether the connection waits for a request and none
	 * has arrived, in which case its client is told the close, and it is closed next;
	 * {@code false} leaves it to the server and the drain
	 * @param close on that thread, once the batch has told each of its connections:
	 * closes one in the server; also closes, on the caller's thread, those handed over
	 * to a thread that no longer runs tasks
	 */
	public IdleCloses(Function<? super T, ? extends Executor> executor, BiPredicate<? super T, ? super C> tellIfIdle,
			Consumer<? super C> close) {
		this.executor = executor;
		this.tellIfIdle = tellIfIdle;
		this.close = close;
	}

	/**
	 * Hands a connection over to be closed on the given thread, if it is idle then.
	 * @param thread the connection's thread
	 * @param connection the connection
	 */
	public void close(T thread, C connection) {
		this.batches.computeIfAbsent(thread, Batch::new).add(connection);
	}

	private final class Batch {

		private final T thread;

		private final Queue<C> handedOver = new ConcurrentLinkedQueue<>();

		private final AtomicBoolean submitted = new AtomicBoolean();

		Batch(T thread) {
			this.thread = thread;
		}

		void add(C connection) {
			this.handedOver.add(connection);
			if (this.submitted.compareAndSet(false, true)) {
				try {
					IdleCloses.this.executor.apply(this.thread).execute(this::run);
				}
				catch (RejectedExecutionException ex) {
					// The thread is stopping: its connections close now, and so will those
					// handed over later, not queued behind a flag left set.
					this.submitted.set(false);
					C rejected;
					while ((rejected = this.handedOver.poll()) != null) {
						IdleCloses.this.close.accept(rejected);
					}
				}
			}
		}

		/**
		 * On the thread. A connection handed over after the flag is cleared submits another
		 * run. A connection whose look throws (its pipeline, given the bytes that waited)
		 * is left open, and the rest of the batch goes on: the first failure is thrown
		 * after, for the thread to report.
		 */
		private void run() {
			this.submitted.set(false);
			List<C> closing = new ArrayList<>();
			RuntimeException failure = null;
			C connection;
			while ((connection = this.handedOver.poll()) != null) {
				try {
					if (IdleCloses.this.tellIfIdle.test(this.thread, connection)) {
						closing.add(connection);
					}
				}
				catch (RuntimeException ex) {
					failure = (failure != null) ? failure : ex;
				}
			}
			for (C told : closing) {
				IdleCloses.this.close.accept(told);
			}
			if (failure != null) {
				throw failure;
			}
		}

	}

}
