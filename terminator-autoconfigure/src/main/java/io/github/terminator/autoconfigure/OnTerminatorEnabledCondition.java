package io.github.terminator.autoconfigure;

import java.time.Duration;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches unless {@code terminator.enabled} is {@code false}, and checks every
 * {@code terminator.*} property while deciding: a value that does not parse, an empty one,
 * or one that makes no sense stops the application here, before its web server is created
 * (a server created and never started does not always close cleanly), rather than turning
 * terminator off or falling back to a default without a word.
 */
class OnTerminatorEnabledCondition extends SpringBootCondition {

	private static final String ENABLED = "terminator.enabled";

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Binder binder = Binder.get(context.getEnvironment());
		rejectEmpty(binder, ENABLED, "true or false", "true");
		if (!binder.bind(ENABLED, Boolean.class).orElse(true)) {
			return ConditionOutcome.noMatch(ENABLED + " is false");
		}
		// The defaults have one home: the properties' field initialisers.
		TerminatorProperties defaults = new TerminatorProperties();
		rejectEmpty(binder, "terminator.drain-delay", "a duration such as 30s", format(defaults.getDrainDelay()));
		String gracefulTimeout = format(defaults.getGracefulTimeout());
		rejectEmpty(binder, "terminator.graceful-timeout", "a duration such as " + gracefulTimeout, gracefulTimeout);
		String maxWait = format(defaults.getMaxWait());
		rejectEmpty(binder, "terminator.max-wait", "a duration such as " + maxWait, maxWait);
		String quietPeriod = format(defaults.getQuietPeriod());
		rejectEmpty(binder, "terminator.quiet-period", "a duration such as " + quietPeriod, quietPeriod);
		RemovedProperties.check(context.getEnvironment());
		TerminatorProperties properties = binder.bind("terminator", TerminatorProperties.class)
			.orElseGet(TerminatorProperties::new);
		properties.toSettings();
		properties.toSubscriptionPaths();
		return ConditionOutcome.match(ENABLED + " is true or unset, and every terminator.* property is valid");
	}

	private static String format(Duration duration) {
		return TerminatorProperties.format(duration);
	}

	/**
	 * An empty value is most often a placeholder that resolved to nothing, as
	 * {@code ${DRAIN_DELAY:}}; Spring Boot's binder would skip it and keep the default.
	 */
	private static void rejectEmpty(Binder binder, String property, String expected, String defaultValue) {
		binder.bind(property, Bindable.of(String.class)).ifBound((value) -> {
			if (value.isBlank()) {
				throw new InvalidTerminatorPropertyException(property, value, "it is empty", "Set " + property + " to "
						+ expected + ", or remove it for the default (" + defaultValue + ").");
			}
		});
	}

}
