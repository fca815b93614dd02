package io.github.terminator.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * The streams the application is serving: responses written piece by piece (server-sent
 * events, a streamed body), each a request of the connection it runs on.
 * <p>
 * A stream is finite unless the application declared it a <em>subscription</em>: an
 * endless stream its client resumes, such as a notification feed or a long poll. A finite
 * stream finishes like any request, within the graceful timeout, and is cut at it; a
 * subscription is ended cleanly when the drain starts, so that its client reconnects to
 * another instance at once. The integration that sees the application's streams (Spring
 * MVC's, WebFlux's) {@link #open opens} each one with the way to end it, and tells when it
 * finished; the drain ends the subscriptions and counts what became of every stream.
 */
public final class StreamRegistry {

	private final Set<TrackedStream> open = ConcurrentHashMap.newKeySet();

	private final Runnable changed;

	private final LongAdder finished = new LongAdder();

	private final LongAdder subscriptionsEnded = new LongAdder();

	private final LongAdder cut = new LongAdder();

	private volatile boolean terminating;

	private volatile boolean endingSubscriptions;

	StreamRegistry(Runnable changed) {
		this.changed = changed;
	}

	/**
	 * Registers a stream whose response has started.
	 * @param subscription whether the application declared it a subscription, to be ended
	 * when the drain starts
	 * @param end ends the stream cleanly, as its own end would: the client must see a
	 * complete response. Called at most once, from any thread; {@code null} when the
	 * stream cannot be ended from outside (the application is told that the drain started,
	 * and ends it itself)
	 * @return the stream, to tell when it {@link TrackedStream#finished() finished}
	 */
	public TrackedStream open(boolean subscription, @Nullable Runnable end) {
		TrackedStream stream = new TrackedStream(subscription, end);
		this.open.add(stream);
		if (subscription && this.endingSubscriptions) {
			// Opened on a connection still served after the drain started: the drain ends it
			// on its next look.
			this.changed.run();
		}
		return stream;
	}

	/**
	 * How many streams are open, subscriptions included.
	 * @return the number of open streams
	 */
	public int size() {
		return this.open.size();
	}

	/**
	 * How many open streams are declared subscriptions.
	 * @return the number of open subscriptions
	 */
	public int subscriptions() {
		int count = 0;
		for (TrackedStream stream : this.open) {
			if (stream.subscription) {
				count++;
			}
		}
		return count;
	}

	void beginTermination() {
		this.terminating = true;
	}

	/**
	 * Ends every open subscription that can be ended, now and, once called, any opened
	 * later: the drain has started. A stream whose end fails is left to finish or be cut,
	 * and counted so.
	 */
	void endSubscriptions() {
		this.endingSubscriptions = true;
		for (TrackedStream stream : this.open) {
			if (stream.subscription && stream.end != null
					&& stream.state.compareAndSet(TrackedStream.OPEN, TrackedStream.ENDING)) {
				try {
					stream.end.run();
				}
				catch (RuntimeException ex) {
					// Its client went away meanwhile, or the application ended it first.
				}
			}
		}
	}

	/**
	 * Counts every stream still open as cut: its connection is being closed by force, or
	 * left open at the max-wait.
	 */
	void cutOpen() {
		for (TrackedStream stream : this.open) {
			if (stream.state.getAndSet(TrackedStream.CUT) != TrackedStream.CUT) {
				this.cut.increment();
			}
			this.open.remove(stream);
		}
	}

	/**
	 * Counts every stream still open as ended with its connection: the connections all
	 * ended gracefully, and with them their last responses, a moment before the
	 * integration reported the stream's end.
	 */
	void finishOpen() {
		for (TrackedStream stream : this.open) {
			stream.finished();
		}
	}

	/**
	 * Streams that finished on their own while a termination ran.
	 */
	long finished() {
		return this.finished.sum();
	}

	/**
	 * Subscriptions ended when the drain started.
	 */
	long subscriptionsEnded() {
		return this.subscriptionsEnded.sum();
	}

	/**
	 * Streams cut at the graceful timeout or left at the max-wait.
	 */
	long cut() {
		return this.cut.sum();
	}

	/**
	 * One stream of the application, from the start of its response to its end.
	 */
	public final class TrackedStream {

		private static final int OPEN = 0;

		private static final int ENDING = 1;

		private static final int DONE = 2;

		private static final int CUT = 3;

		private final boolean subscription;

		private final @Nullable Runnable end;

		private final AtomicInteger state = new AtomicInteger(OPEN);

		private TrackedStream(boolean subscription, @Nullable Runnable end) {
			this.subscription = subscription;
			this.end = end;
		}

		/**
		 * Whether the application declared it a subscription.
		 * @return {@code true} for a subscription
		 */
		public boolean subscription() {
			return this.subscription;
		}

		/**
		 * The stream's response is complete, or its client went away. Calling it again has
		 * no effect.
		 */
		public void finished() {
			int previous = this.state.getAndUpdate((current) -> (current == CUT) ? CUT : DONE);
			StreamRegistry registry = StreamRegistry.this;
			if (previous == ENDING) {
				registry.subscriptionsEnded.increment();
			}
			else if (previous == OPEN && registry.terminating) {
				registry.finished.increment();
			}
			registry.open.remove(this);
		}

		@Override
		public String toString() {
			return "TrackedStream[subscription=" + this.subscription + ", state=" + this.state.get() + "]";
		}

	}

	@Override
	public String toString() {
		return "StreamRegistry[open=" + this.open.size() + "]";
	}

}
