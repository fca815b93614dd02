package io.github.terminator.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of a termination.
 *
 * @param drainDelay how long to keep serving, with {@code Connection: close}, before the
 * listener is closed
 * @param gracefulTimeout how long in-flight requests get once the drain has started
 * before their connections are closed by force
 * @param maxWait hard bound on the whole termination, delay included
 */
public record TerminatorSettings(Duration drainDelay, Duration gracefulTimeout, Duration maxWait) {

	/**
	 * Formats a duration the way the properties are written: {@code 10s}, {@code 500ms},
	 * or ISO-8601 for a duration finer than a millisecond.
	 * @param duration the duration
	 * @return the formatted duration
	 */
	public static String format(Duration duration) {
		if (duration.toNanos() % 1_000_000 != 0) {
			return duration.toString();
		}
		long millis = duration.toMillis();
		return (millis % 1000 == 0) ? (millis / 1000) + "s" : millis + "ms";
	}

	/**
	 * Checks the bounds are usable: none negative, and {@code maxWait} at least
	 * {@code drainDelay + gracefulTimeout}.
	 * @throws IllegalArgumentException if they are not
	 */
	public TerminatorSettings {
		Objects.requireNonNull(drainDelay, "drainDelay");
		Objects.requireNonNull(gracefulTimeout, "gracefulTimeout");
		Objects.requireNonNull(maxWait, "maxWait");
		if (drainDelay.isNegative() || gracefulTimeout.isNegative() || maxWait.isNegative()) {
			throw new IllegalArgumentException("Durations must not be negative: " + drainDelay + ", "
					+ gracefulTimeout + ", " + maxWait);
		}
		if (maxWait.compareTo(drainDelay.plus(gracefulTimeout)) < 0) {
			throw new IllegalArgumentException("maxWait " + maxWait + " is shorter than drainDelay " + drainDelay
					+ " plus gracefulTimeout " + gracefulTimeout);
		}
	}

}
