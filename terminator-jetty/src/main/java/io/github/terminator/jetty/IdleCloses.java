package io.github.terminator.jetty;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.io.ManagedSelector;

/**
 * The idle connections the drain hands over to be closed, closed on their selector thread
 * in batches: one selector task for what has been handed over since the last, not one per
 * connection. A batch tells each of its connections the close with a FIN first, then
 * closes them: with thousands of idle connections on one selector, Jetty's close of each
 * (listeners, endpoint, deregistration) would otherwise hold back the FIN of the next.
 * The selector thread reads no request in between: none is taken in to be lost.
 */
final class IdleCloses {

	private final Map<ManagedSelector, Batch> batches = new ConcurrentHashMap<>();

	/**
	 * Hands a connection over to be closed on its selector thread.
	 */
	void close(ManagedSelector selector, JettyConnection connection) {
		this.batches.computeIfAbsent(selector, Batch::new).add(connection);
	}

	private static final class Batch {

		private final ManagedSelector selector;

		private final Queue<JettyConnection> handedOver = new ConcurrentLinkedQueue<>();

		private final AtomicBoolean submitted = new AtomicBoolean();

		Batch(ManagedSelector selector) {
			this.selector = selector;
		}

		void add(JettyConnection connection) {
			this.handedOver.add(connection);
			if (this.submitted.compareAndSet(false, true)) {
				this.selector.submit((ignored) -> run());
			}
		}

		/**
		 * On the selector thread. A connection handed over after the flag is cleared
		 * submits another run.
		 */
		private void run() {
			this.submitted.set(false);
			List<JettyConnection> closing = new ArrayList<>();
			JettyConnection connection;
			while ((connection = this.handedOver.poll()) != null) {
				if (connection.finIfWaitingForRequest(this.selector)) {
					closing.add(connection);
				}
			}
			for (JettyConnection finished : closing) {
				finished.closeAfterFin();
			}
		}

	}

}
