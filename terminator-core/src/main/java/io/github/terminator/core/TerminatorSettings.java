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
 * @param quietPeriod how long a kept-alive connection must have been idle before the
 * drain closes it
 */
public record TerminatorSettings(Duration drainDelay, Duration gracefulTimeout, Duration maxWait,
		Duration quietPeriod) {

	/**
	 * The quiet period that outlasts the stale check of the common pooled clients: Apache
	 * HttpClient 5 checks a pooled connection for a close only once it has been idle for
	 * 2 s ({@code validateAfterInactivity}), and reuses a younger one unchecked. Closing
	 * only connections idle for longer than that, with half a second for the client to
	 * have put the connection back in its pool, means such a client checks before it
	 * reuses, and sees the close.
	 */
	public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(2500);

	/**
	 * Creates settings with the {@link #DEFAULT_QUIET_PERIOD default quiet period}.
	 * @param drainDelay how long to keep serving before the listener is closed
	 * @param gracefulTimeout how long in-flight requests get once the drain has started
	 * @param maxWait hard bound on the whole termination, delay included
	 */
	public TerminatorSettings(Duration drainDelay, Duration gracefulTimeout, Duration maxWait) {
		this(drainDelay, gracefulTimeout, maxWait, DEFAULT_QUIET_PERIOD);
	}

	/**
	 * The longest duration a termination works with: a day. Longer ones mean "never give
	 * up", which no platform waits for, and cannot all be added to a clock.
	 */
	public static final Duration MAX_DURATION = Duration.ofDays(1);

	/**
	 * Formats a duration the way the properties are written: {@code 10s}, {@code 500ms},
	 * or ISO-8601 for a duration finer than a millisecond. Never fails, whatever the
	 * duration.
	 * @param duration the duration
	 * @return the formatted duration
	 */
	public static String format(Duration duration) {
		if (duration.getNano() == 0) {
			return duration.getSeconds() + "s";
		}
		if (duration.getNano() % 1_000_000 != 0) {
			return duration.toString();
		}
		try {
			return Math.addExact(Math.multiplyExact(duration.getSeconds(), 1000), duration.getNano() / 1_000_000)
					+ "ms";
		}
		catch (ArithmeticException ex) {
			return duration.toString();
		}
	}

	/**
	 * Checks the bounds are usable: none negative nor longer than {@link #MAX_DURATION},
	 * and {@code maxWait} at least {@code drainDelay + gracefulTimeout}.
	 * @param drainDelay how long to keep serving before the listener is closed
	 * @param gracefulTimeout how long in-flight requests get once the drain has started
	 * @param maxWait hard bound on the whole termination, delay included
	 * @param quietPeriod how long a kept-alive connection must have been idle before the
	 * drain closes it
	 * @throws IllegalArgumentException if they are not
	 */
	public TerminatorSettings {
		Objects.requireNonNull(drainDelay, "drainDelay");
		Objects.requireNonNull(gracefulTimeout, "gracefulTimeout");
		Objects.requireNonNull(maxWait, "maxWait");
		Objects.requireNonNull(quietPeriod, "quietPeriod");
		if (drainDelay.isNegative() || gracefulTimeout.isNegative() || maxWait.isNegative()
				|| quietPeriod.isNegative()) {
			throw new IllegalArgumentException("Durations must not be negative: " + drainDelay + ", "
					+ gracefulTimeout + ", " + maxWait + ", " + quietPeriod);
		}
		for (Duration duration : new Duration[] { drainDelay, gracefulTimeout, maxWait, quietPeriod }) {
			if (duration.compareTo(MAX_DURATION) > 0) {
				throw new IllegalArgumentException("Durations must not be longer than " + MAX_DURATION + ": "
						+ duration);
			}
		}
		if (maxWait.compareTo(drainDelay.plus(gracefulTimeout)) < 0) {
			throw new IllegalArgumentException("maxWait " + maxWait + " is shorter than drainDelay " + drainDelay
					+ " plus gracefulTimeout " + gracefulTimeout);
		}
	}

}
