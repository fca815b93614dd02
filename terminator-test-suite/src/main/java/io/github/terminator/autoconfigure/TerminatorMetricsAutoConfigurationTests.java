package io.github.terminator.autoconfigure;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.micrometer.TerminatorMetrics;
import io.github.terminator.test.LineAutoConfigurations;
import io.github.terminator.test.NoServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TerminatorMetricsAutoConfiguration}, beside the metrics
 * auto-configurations of the line, which Spring Boot 4 moved: they must run first for
 * the meter registry to be there. The server adapter, which the wiring of the
 * application's server on its line provides, is a stand-in: the meters do not change
 * with the server.
 */
class TerminatorMetricsAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(TerminatorAutoConfiguration.class, TerminatorMetricsAutoConfiguration.class))
		.withConfiguration(LineAutoConfigurations.metrics())
		.withBean(ServerAdapter.class, NoServer::adapter);

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

	/**
	 * Without Micrometer, an application has none of Spring Boot's metrics either: on
	 * Spring Boot 4 they are a module that needs it. A registry bean is there all the
	 * same, for the missing class alone to make the meters back off.
	 */
	@Test
	void backsOffWithoutMicrometer() {
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(TerminatorAutoConfiguration.class, TerminatorMetricsAutoConfiguration.class))
			.withBean(ServerAdapter.class, NoServer::adapter)
			.withBean(SimpleMeterRegistry.class)
			.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(Terminator.class);
				assertThat(context).doesNotHaveBean(TerminatorMetrics.class);
			});
	}

	@Test
	void backsOffWithoutMeterRegistry() {
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(TerminatorAutoConfiguration.class, TerminatorMetricsAutoConfiguration.class))
			.withBean(ServerAdapter.class, NoServer::adapter)
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
