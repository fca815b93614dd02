package io.github.terminator.autoconfigure;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.Terminator;
import io.github.terminator.micrometer.TerminatorMetrics;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} of the {@link TerminatorMetrics}, when
 * Micrometer is present and the application has a {@link MeterRegistry}.
 * <p>
 * The metrics are a {@link io.github.terminator.core.TerminationListener
 * TerminationListener} bean, which the {@link Terminator} picks up; they only need the
 * {@link ConnectionRegistry}, so the two beans do not depend on each other. Spring Boot's
 * metrics auto-configuration, which creates the registry and binds the meters, is named
 * rather than referenced: Micrometer may be present without Actuator, and the class has
 * moved in Spring Boot 4 (a name that is absent is ignored, so both lines' are named).
 */
@AutoConfiguration(after = TerminatorAutoConfiguration.class,
		afterName = { "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, Terminator.class, ConnectionRegistry.class })
public class TerminatorMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	TerminatorMetrics terminatorMetrics(ConnectionRegistry registry) {
		return new TerminatorMetrics(registry);
	}

}
