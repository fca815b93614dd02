package io.github.terminator.core;

import org.jspecify.annotations.Nullable;

/**
 * What a drain did, for the termination's result: written on the drain's thread, read by
 * the thread that records the result, at the end of the drain or at the max-wait.
 */
final class DrainFigures {

	private volatile long delayNanos;

	private volatile long drainStartNanos;

	private volatile long forced;

	private volatile @Nullable Throwable serverError;

	private volatile @Nullable ActiveRequest oldestCut;

	void delayEnded(long delayNanos, long drainStartNanos) {
		this.delayNanos = delayNanos;
		this.drainStartNanos = drainStartNanos;
	}

	/**
	 * Counts a connection closed by force, and keeps the oldest request cut with it.
	 */
	void forced(@Nullable ActiveRequest cut) {
		this.oldestCut = older(this.oldestCut, cut);
		this.forced++;
	}

	/**
	 * Keeps the first failure of the server: the termination goes on, and ends with it.
	 */
	void serverFailed(Throwable ex) {
		if (this.serverError == null) {
			this.serverError = ex;
		}
	}

	/**
	 * How long the drain delay lasted.
	 */
	long delayNanos() {
		return this.delayNanos;
	}

	/**
	 * When the drain proper started, or 0 while it has not.
	 */
	long drainStartNanos() {
		return this.drainStartNanos;
	}

	long forced() {
		return this.forced;
	}

	@Nullable Throwable serverError() {
		return this.serverError;
	}

	@Nullable ActiveRequest oldestCut() {
		return this.oldestCut;
	}

	static @Nullable ActiveRequest older(@Nullable ActiveRequest a, @Nullable ActiveRequest b) {
		if (a == null) {
			return b;
		}
		if (b == null) {
			return a;
		}
		return (a.startNanos() - b.startNanos() <= 0) ? a : b;
	}

}
