package io.github.terminator.autoconfigure;

import io.github.terminator.boot3.TomcatTerminatorAutoConfiguration;
import io.github.terminator.boot3.UndertowTerminatorAutoConfiguration;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.Terminator;
import io.github.terminator.micrometer.TerminatorMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TerminatorMetricsAutoConfiguration}.
 */
class TerminatorMetricsAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ServletWebServerFactoryAutoConfiguration.class, TomcatTerminatorAutoConfiguration.class, UndertowTerminatorAutoConfiguration.class,
					TerminatorAutoConfiguration.class, MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
				TerminatorMetricsAutoConfiguration.class));

	@Test
	void bindsMetersToTheMeterRegistry() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(TerminatorMetrics.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find(TerminatorMetrics.CONNECTIONS).gauges()).hasSize(4);
			assertThat(registry.find(TerminatorMetrics.REQUESTS_ACTIVE).gauge()).isNotNull();
			assertThat(registry.find(TerminatorMetrics.CONNECTIONS_CLOSED).counters()).hasSize(3);
		});
	}

	@Test
	void terminatorRecordsItsTerminationInTheMeters() {
		this.contextRunner.run((context) -> {
			assertThat(context.getBean(Terminator.class).terminate().code()).isEqualTo(TerminationCode.TERMINATED);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get(TerminatorMetrics.TERMINATIONS).tag("outcome", "TERMINATED").timer().count())
				.isEqualTo(1);
		});
	}

	@Test
	void backsOffWithoutMicrometer() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run((context) -> {
			assertThat(context).hasSingleBean(Terminator.class);
			assertThat(context).doesNotHaveBean(TerminatorMetrics.class);
		});
	}

	@Test
	void backsOffWithoutMeterRegistry() {
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ServletWebServerFactoryAutoConfiguration.class, TomcatTerminatorAutoConfiguration.class, UndertowTerminatorAutoConfiguration.class,
					TerminatorAutoConfiguration.class, TerminatorMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(Terminator.class);
				assertThat(context).doesNotHaveBean(TerminatorMetrics.class);
			});
	}

	@Test
	void backsOffWhenTerminatorIsDisabled() {
		this.contextRunner.withPropertyValues("terminator.enabled=false").run((context) -> {
			assertThat(context).hasSingleBean(MeterRegistry.class);
			assertThat(context).doesNotHaveBean(TerminatorMetrics.class);
		});
	}

	@Test
	void allowsCustomTerminatorMetricsToBeUsed() {
		this.contextRunner.withUserConfiguration(CustomMetricsConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(TerminatorMetrics.class);
			assertThat(context).getBean(TerminatorMetrics.class).isSameAs(context.getBean("customMetrics"));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomMetricsConfiguration {

		@Bean
		TerminatorMetrics customMetrics(ConnectionRegistry registry) {
			return new TerminatorMetrics(registry);
		}

	}

}
