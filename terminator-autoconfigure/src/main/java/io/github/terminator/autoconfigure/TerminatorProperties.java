package io.github.terminator.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.terminator.core.TerminatorSettings;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of terminator, under {@code terminator.*}.
 */
@ConfigurationProperties("terminator")
public class TerminatorProperties {

	/**
	 * Whether to enable terminator. When disabled, Spring Boot's own shutdown is left
	 * untouched.
	 */
	private boolean enabled = true;

	/**
	 * How long to keep serving, with readiness down and every response closing its
	 * connection, before the listener is closed. Gives load balancers time to stop
	 * routing to the instance.
	 */
	private Duration drainDelay = Duration.ofSeconds(0);

	/**
	 * How long in-flight requests get once the drain has started. Connections still open
	 * then are closed by force.
	 */
	private Duration gracefulTimeout = Duration.ofSeconds(10);

	/**
	 * Hard bound on the whole termination, drain delay included. Must be at least the
	 * drain delay plus the graceful timeout.
	 */
	private Duration maxWait = Duration.ofSeconds(30);

	/**
	 * How long a kept-alive connection must have been idle before the drain closes it; a
	 * request that arrives on it before then is served with "Connection: close". Longer
	 * than the idle time after which the application's pooled clients check a connection
	 * before reusing it (Apache HttpClient 5: 2s), so that they see the close instead of
	 * writing a request on a closed connection.
	 */
	private Duration quietPeriod = Duration.ofMillis(2500);

	/**
	 * Path patterns of the streams that are subscriptions: endless streams their clients
	 * resume, such as notification feeds or long polls, ended cleanly when the drain starts
	 * so that their clients reconnect to another instance at once. Written as Spring MVC
	 * request mappings, such as "/events/**". Every other stream is finite, and finishes
	 * like any request within the graceful timeout. Handler methods can be declared with
	 * the @Subscription annotation instead.
	 */
	private List<String> subscriptions = new ArrayList<>();

	/**
	 * Whether terminator drains the server on shutdown.
	 * @return whether enabled
	 */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Sets whether terminator drains the server on shutdown.
	 * @param enabled whether enabled
	 */
	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	/**
	 * How long to keep serving before the listener is closed.
	 * @return the drain delay
	 */
	public Duration getDrainDelay() {
		return this.drainDelay;
	}

	/**
	 * Sets how long to keep serving before the listener is closed.
	 * @param drainDelay the drain delay
	 */
	public void setDrainDelay(Duration drainDelay) {
		this.drainDelay = drainDelay;
	}

	/**
	 * How long in-flight requests get once the drain has started.
	 * @return the graceful timeout
	 */
	public Duration getGracefulTimeout() {
		return this.gracefulTimeout;
	}

	/**
	 * Sets how long in-flight requests get once the drain has started.
	 * @param gracefulTimeout the graceful timeout
	 */
	public void setGracefulTimeout(Duration gracefulTimeout) {
		this.gracefulTimeout = gracefulTimeout;
	}

	/**
	 * Hard bound on the whole termination.
	 * @return the max-wait
	 */
	public Duration getMaxWait() {
		return this.maxWait;
	}

	/**
	 * Sets the hard bound on the whole termination.
	 * @param maxWait the max-wait
	 */
	public void setMaxWait(Duration maxWait) {
		this.maxWait = maxWait;
	}

	/**
	 * How long a kept-alive connection must have been idle before the drain closes it.
	 * @return the quiet period
	 */
	public Duration getQuietPeriod() {
		return this.quietPeriod;
	}

	/**
	 * Sets how long a kept-alive connection must have been idle before the drain closes it.
	 * @param quietPeriod the quiet period
	 */
	public void setQuietPeriod(Duration quietPeriod) {
		this.quietPeriod = quietPeriod;
	}

	/**
	 * Path patterns of the streams that are subscriptions.
	 * @return the patterns
	 */
	public List<String> getSubscriptions() {
		return this.subscriptions;
	}

	/**
	 * Sets the path patterns of the streams that are subscriptions.
	 * @param subscriptions the patterns
	 */
	public void setSubscriptions(List<String> subscriptions) {
		this.subscriptions = subscriptions;
	}

	/**
	 * The paths declared subscriptions, once the patterns are checked.
	 * @return the paths
	 * @throws InvalidTerminatorPropertyException naming the first invalid pattern
	 */
	SubscriptionPaths toSubscriptionPaths() {
		return SubscriptionPaths.of((this.subscriptions != null) ? this.subscriptions : List.of());
	}

	/**
	 * The settings of the terminator, once the values are checked.
	 * @return the settings
	 * @throws InvalidTerminatorPropertyException naming the first invalid property
	 */
	TerminatorSettings toSettings() {
		TerminatorProperties defaults = new TerminatorProperties();
		requireValid("terminator.drain-delay", this.drainDelay, format(defaults.getDrainDelay()));
		requireValid("terminator.graceful-timeout", this.gracefulTimeout, format(defaults.getGracefulTimeout()));
		requireValid("terminator.max-wait", this.maxWait, format(defaults.getMaxWait()));
		requireValid("terminator.quiet-period", this.quietPeriod, format(defaults.getQuietPeriod()));
		Duration minimum = this.drainDelay.plus(this.gracefulTimeout);
		if (this.maxWait.compareTo(minimum) < 0) {
			throw new InvalidTerminatorPropertyException("terminator.max-wait", format(this.maxWait),
					"it must be at least terminator.drain-delay (" + format(this.drainDelay)
							+ ") plus terminator.graceful-timeout (" + format(this.gracefulTimeout) + "), that is "
							+ format(minimum),
					"Set terminator.max-wait to " + format(minimum)
							+ " or more, or shorten terminator.drain-delay or terminator.graceful-timeout.");
		}
		return new TerminatorSettings(this.drainDelay, this.gracefulTimeout, this.maxWait, this.quietPeriod);
	}

	private static void requireValid(String property, Duration value, String defaultValue) {
		if (value == null) {
			throw new InvalidTerminatorPropertyException(property, "null", "it must be set",
					"Set " + property + " to a duration such as " + defaultValue + " (the default), or remove it.");
		}
		if (value.isNegative()) {
			throw new InvalidTerminatorPropertyException(property, format(value), "it must not be negative",
					"Set " + property + " to 0s or more, for example " + defaultValue + " (the default).");
		}
		if (value.compareTo(TerminatorSettings.MAX_DURATION) > 0) {
			throw new InvalidTerminatorPropertyException(property, format(value),
					"it must not be longer than a day (" + format(TerminatorSettings.MAX_DURATION) + ")",
					"Set " + property + " to " + format(TerminatorSettings.MAX_DURATION) + " or less, for example "
							+ defaultValue + " (the default).");
		}
	}

	static String format(Duration duration) {
		return (duration != null) ? TerminatorSettings.format(duration) : "null";
	}

}
