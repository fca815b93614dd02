package io.github.terminator.netty;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.channel.EventLoop;

/**
 * The idle connections the drain hands over to be closed, closed on their event loop in
 * batches: one task for what has been handed over since the last, not one per
 * connection. A batch tells each of its connections the close with a FIN first, then
 * closes them: with thousands of idle connections on one event loop, Netty's close of
 * each (its pipeline told, the socket deregistered and closed) would otherwise hold back
 * the FIN of the next. The event loop reads no request in between: none is taken in to be
 * lost.
 */
final class IdleCloses {

	private final Map<EventLoop, Batch> batches = new ConcurrentHashMap<>();

	/**
	 * Hands a connection over to be closed on its event loop, if it is idle then.
	 */
	void close(NettyConnection connection, EventLoop eventLoop) {
		this.batches.computeIfAbsent(eventLoop, Batch::new).add(connection);
	}

	private static final class Batch {

		private final EventLoop eventLoop;

		private final Queue<NettyConnection> handedOver = new ConcurrentLinkedQueue<>();

		private final AtomicBoolean submitted = new AtomicBoolean();

		Batch(EventLoop eventLoop) {
			this.eventLoop = eventLoop;
		}

		void add(NettyConnection connection) {
			this.handedOver.add(connection);
			if (this.submitted.compareAndSet(false, true)) {
				try {
					this.eventLoop.execute(this::run);
				}
				catch (RejectedExecutionException ex) {
					// The event loop is shutting down, with its channels: those handed over
					// later are closed too, not queued behind a flag left set.
					this.submitted.set(false);
					NettyConnection rejected;
					while ((rejected = this.handedOver.poll()) != null) {
						rejected.closeAfterFin();
					}
				}
			}
		}

		/**
		 * On the event loop. A connection handed over after the flag is cleared submits
		 * another run. A connection whose pipeline throws as it is given the bytes that
		 * waited is left open, as Netty's own read would leave it, and the rest of the
		 * batch goes on: the first failure is thrown after, for the event loop to log.
		 */
		private void run() {
			this.submitted.set(false);
			List<NettyConnection> closing = new ArrayList<>();
			RuntimeException failure = null;
			NettyConnection connection;
			while ((connection = this.handedOver.poll()) != null) {
				try {
					if (connection.finIfIdle()) {
						closing.add(connection);
					}
				}
				catch (RuntimeException ex) {
					failure = (failure != null) ? failure : ex;
				}
			}
			for (NettyConnection finished : closing) {
				finished.closeAfterFin();
			}
			if (failure != null) {
				throw failure;
			}
		}

	}

}
