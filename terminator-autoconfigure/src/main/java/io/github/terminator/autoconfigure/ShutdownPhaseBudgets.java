package io.github.terminator.autoconfigure;

import java.time.Duration;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.support.DefaultLifecycleProcessor;
import org.springframework.core.env.Environment;

/**
 * Gives the shutdown phases around the termination the time the max-wait implies,
 * whatever {@code spring.lifecycle.timeout-per-shutdown-phase} says: the termination's
 * own phase gets all of the max-wait, and Spring Boot's graceful shutdown of the web
 * server, which comes right after it and finds the server drained, only a moment. A
 * request the termination cut by force is over for its client, but Spring Boot would
 * still count it as running and wait for it, up to 30 s by default, past the max-wait.
 * Nothing changes when no termination runs.
 */
final class ShutdownPhaseBudgets implements BeanPostProcessor, BeanFactoryAware {

	/**
	 * Given to the termination's phase on top of the max-wait, for the result to be
	 * logged and published.
	 */
	static final Duration TERMINATION_MARGIN = Duration.ofSeconds(1);

	/**
	 * Given to Spring Boot's graceful shutdown after the termination: the server has no
	 * connection left, or only ones that were cut, and Spring Boot notices the first within
	 * its 50 ms poll.
	 */
	static final Duration GRACEFUL_SHUTDOWN_BUDGET = Duration.ofMillis(500);

	/**
	 * The phase of Spring Boot's graceful shutdown of the web server, the same on every
	 * line; Spring Boot's own constant has moved in 4.0 and goes in 4.2.
	 */
	static final int BOOT_GRACEFUL_SHUTDOWN_PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

	private final Environment environment;

	private ListableBeanFactory beanFactory;

	ShutdownPhaseBudgets(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		this.beanFactory = (beanFactory instanceof ListableBeanFactory listable) ? listable : null;
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof DefaultLifecycleProcessor processor && terminationRuns()) {
			Duration maxWait = Binder.get(this.environment)
				.bind("terminator.max-wait", Duration.class)
				.orElse(new TerminatorProperties().getMaxWait());
			if (!maxWait.isNegative()) {
				processor.setTimeoutForShutdownPhase(TerminatorLifecycle.PHASE,
						saturatedMillis(maxWait.plus(TERMINATION_MARGIN)));
			}
			processor.setTimeoutForShutdownPhase(BOOT_GRACEFUL_SHUTDOWN_PHASE,
					GRACEFUL_SHUTDOWN_BUDGET.toMillis());
		}
		return bean;
	}

	/**
	 * Whether a termination runs on shutdown. The lifecycle processor is created once
	 * every bean is defined, so the definitions tell.
	 */
	private boolean terminationRuns() {
		return this.beanFactory != null
				&& this.beanFactory.getBeanNamesForType(TerminatorLifecycle.class, true, false).length > 0;
	}

	private static long saturatedMillis(Duration duration) {
		try {
			return duration.toMillis();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

}
