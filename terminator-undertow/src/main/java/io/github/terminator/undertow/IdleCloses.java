package io.github.terminator.undertow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.xnio.XnioIoThread;

/**
 * The idle connections the drain hands over to be closed, closed on their IO thread in
 * batches: one task for what has been handed over since the last, not one per connection,
 * each of which would cost a wake-up of the IO thread's selector. A batch first closes
 * the socket of each of its connections, which sends its FIN, then closes the
 * connections in Undertow: with thousands of idle connections, Undertow's close of each
 * (its listeners, a select of its own to deregister it) would otherwise hold back the FIN
 * of the next. The sockets are closed, not only shut down for output: one only shut down
 * stays registered, every select reports it once its client has closed its end, and each
 * close that follows selects (10,000 connections took seconds). The IO thread reads no
 * request in between: none is taken in to be lost.
 */
final class IdleCloses {

	private final Map<XnioIoThread, Batch> batches = new ConcurrentHashMap<>();

	/**
	 * Hands a connection over to be closed on its IO thread.
	 */
	void close(XnioIoThread thread, UndertowConnection connection) {
		this.batches.computeIfAbsent(thread, Batch::new).add(connection);
	}

	private static final class Batch {

		private final XnioIoThread thread;

		private final Queue<UndertowConnection> handedOver = new ConcurrentLinkedQueue<>();

		private final AtomicBoolean submitted = new AtomicBoolean();

		Batch(XnioIoThread thread) {
			this.thread = thread;
		}

		void add(UndertowConnection connection) {
			this.handedOver.add(connection);
			if (this.submitted.compareAndSet(false, true)) {
				try {
					this.thread.execute(this::run);
				}
				catch (RejectedExecutionException ex) {
					// The IO thread is stopping: its connections close now, and so will
					// those handed over later.
					this.submitted.set(false);
					UndertowConnection rejected;
					while ((rejected = this.handedOver.poll()) != null) {
						rejected.close();
					}
				}
			}
		}

		/**
		 * On the IO thread. A connection handed over after the flag is cleared submits
		 * another run.
		 */
		private void run() {
			this.submitted.set(false);
			List<UndertowConnection> closing = new ArrayList<>();
			UndertowConnection connection;
			while ((connection = this.handedOver.poll()) != null) {
				if (connection.closeSocketIfWaitingForRequest()) {
					closing.add(connection);
				}
			}
			for (UndertowConnection finished : closing) {
				finished.close();
			}
		}

	}

}
