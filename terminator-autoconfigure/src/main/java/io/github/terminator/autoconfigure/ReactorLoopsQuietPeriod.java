package io.github.terminator.autoconfigure;

import java.time.Duration;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.env.Environment;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Shortens the quiet period of Reactor Netty's event loops, which they wait out when the
 * application stops, from Reactor Netty's 2 s to {@link #QUIET_PERIOD}, unless
 * {@code spring.reactor.netty.shutdown-quiet-period} says otherwise: the drain has closed
 * every connection of the server by then, and nothing is left for the loops to wait for.
 * With the 2 s, the application would stop up to 2 s past the max-wait.
 */
public final class ReactorLoopsQuietPeriod implements BeanPostProcessor {

	/** The quiet period of the loops once the drain is over. */
	public static final Duration QUIET_PERIOD = Duration.ofMillis(100);

	static final String PROPERTY = "spring.reactor.netty.shutdown-quiet-period";

	private final Environment environment;

	/**
	 * Creates the post-processor.
	 * @param environment where the application may set the quiet period itself
	 */
	public ReactorLoopsQuietPeriod(Environment environment) {
		this.environment = environment;
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof ReactorResourceFactory resources && !this.environment.containsProperty(PROPERTY)) {
			resources.setShutdownQuietPeriod(QUIET_PERIOD);
		}
		return bean;
	}

}
