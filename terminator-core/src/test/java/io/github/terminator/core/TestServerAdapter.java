package io.github.terminator.core;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.terminator.core.spi.ServerAdapter;

/**
 * A {@link ServerAdapter} that records when the listener is closed, and can be made to
 * fail or to hang in {@link #stopAccepting()}.
 */
final class TestServerAdapter implements ServerAdapter {

	private final AtomicInteger stopAcceptingCalls = new AtomicInteger();

	private final CountDownLatch release = new CountDownLatch(1);

	private volatile long stoppedAcceptingNanos;

	private volatile boolean hangs;

	private volatile Exception failure;

	private volatile Runnable onStopAccepting = () -> {
	};

	/**
	 * Makes {@link #stopAccepting()} block until {@link #release()}.
	 */
	void hang() {
		this.hangs = true;
	}

	/**
	 * Ends a {@link #hang()}.
	 */
	void release() {
		this.release.countDown();
	}

	/**
	 * Runs an action when the listener is closed, before anything else.
	 */
	void onStopAccepting(Runnable action) {
		this.onStopAccepting = action;
	}

	void failWith(Exception failure) {
		this.failure = failure;
	}

	int stopAcceptingCalls() {
		return this.stopAcceptingCalls.get();
	}

	/**
	 * When the listener was closed.
	 * @return the {@link System#nanoTime()} of the first call, {@code 0} before it
	 */
	long stoppedAcceptingNanos() {
		return this.stoppedAcceptingNanos;
	}

	@Override
	public void stopAccepting() throws Exception {
		this.onStopAccepting.run();
		if (this.stopAcceptingCalls.incrementAndGet() == 1) {
			this.stoppedAcceptingNanos = System.nanoTime();
		}
		if (this.hangs) {
			this.release.await();
		}
		Exception failure = this.failure;
		if (failure != null) {
			throw failure;
		}
	}

}
