package io.github.terminator.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationListener;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.TerminatorSettings;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.test.NoServer;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.DefaultLifecycleProcessor;
import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TerminatorAutoConfiguration}, on every Boot line. The server adapter
 * comes from the wiring of the application's server on its line: a stand-in takes its
 * place here, and the wiring of each server has tests of its own in the line's module.
 */
class TerminatorAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TerminatorAutoConfiguration.class))
		.withBean(ServerAdapter.class, NoServer::adapter);

	@Test
	void createsTerminatorForTheServerAdapterOfTheLine() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(ConnectionRegistry.class)
			.hasSingleBean(Terminator.class)
			.hasSingleBean(TerminatorLifecycle.class)
			.hasSingleBean(TerminatorProperties.class)
			.hasBean("terminationLogger"));
	}

	/**
	 * On every server of the line, its wiring included: the server's adapter backs off
	 * with the rest.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void backsOffWhenTerminatorIsDisabled(ServerSetup setup) {
		try (RunningServer server = RunningServer.start(setup, "terminator.enabled=false")) {
			ConfigurableApplicationContext context = server.context();
			assertThat(context.getBeansOfType(ConnectionRegistry.class)).isEmpty();
			assertThat(context.getBeansOfType(ServerAdapter.class)).isEmpty();
			assertThat(context.getBeansOfType(Terminator.class)).isEmpty();
			assertThat(context.getBeansOfType(TerminatorLifecycle.class)).isEmpty();
			assertThat(context.getBeansOfType(TerminationListener.class)).isEmpty();
			assertThat(context.getBeansOfType(TerminatorProperties.class)).isEmpty();
		}
	}

	@Test
	void backsOffInNonWebApplication() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TerminatorAutoConfiguration.class))
			.withBean(ServerAdapter.class, NoServer::adapter)
			.run((context) -> assertThat(context).doesNotHaveBean(ConnectionRegistry.class)
				.doesNotHaveBean(Terminator.class)
				.doesNotHaveBean(TerminatorLifecycle.class));
	}

	@Test
	void createsTerminatorForReactiveApplicationWithoutSpringMvcStreamTracking() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TerminatorAutoConfiguration.class))
			.withBean(ServerAdapter.class, NoServer::adapter)
			.run((context) -> assertThat(context).hasSingleBean(Terminator.class)
				.hasSingleBean(TerminatorLifecycle.class)
				.hasSingleBean(WebFluxStreamTracking.class)
				.doesNotHaveBean(MvcStreamTracking.class)
				.doesNotHaveBean("terminatorSubscriptionResponseFilter"));
	}

	@Test
	void allowsCustomConnectionRegistryToBeUsed() {
		this.contextRunner.withUserConfiguration(CustomConnectionRegistryConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ConnectionRegistry.class).hasBean("customConnectionRegistry");
			assertThat(context.getBean(Terminator.class).registry())
				.isSameAs(context.getBean("customConnectionRegistry"));
		});
	}

	@Test
	void allowsCustomTerminatorToBeUsed() {
		this.contextRunner.withUserConfiguration(CustomTerminatorConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(Terminator.class).hasBean("customTerminator");
			assertThat(context.getBean(TerminatorLifecycle.class)).extracting("terminator")
				.isSameAs(context.getBean("customTerminator"));
		});
	}

	@Test
	void allowsCustomTerminatorLifecycleToBeUsed() {
		this.contextRunner.withUserConfiguration(CustomTerminatorLifecycleConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(TerminatorLifecycle.class)
				.hasBean("customTerminatorLifecycle"));
	}

	@Test
	void allowsCustomTerminationLoggerToBeUsed() {
		this.contextRunner.withUserConfiguration(CustomTerminationLoggerConfiguration.class).run((context) -> {
			assertThat(context.getBeansOfType(TerminationListener.class)).containsOnlyKeys("terminationLogger",
					"drainStartedEventPublisher");
			assertThat(context.getBean("terminationLogger")).isInstanceOf(RecordingTerminationListener.class);
		});
	}

	@Test
	void publishesDrainStartedEventAndTracksSpringMvcStreams() {
		this.contextRunner.run((context) -> assertThat(context).hasBean("drainStartedEventPublisher")
			.hasSingleBean(MvcStreamTracking.class)
			.hasSingleBean(MvcStreamReturnValues.class)
			.hasSingleBean(DeclaredSubscriptions.class));
	}

	@Test
	void backsOffFromSpringMvcStreamsWithoutSpringMvc() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.web.servlet."))
			.run((context) -> assertThat(context).doesNotHaveBean(MvcStreamTracking.class)
				.doesNotHaveBean(MvcStreamReturnValues.class));
	}

	@Test
	void failsAtStartUpWhenTheRemovedCompleteEmittersPropertyIsSet() {
		this.contextRunner.withPropertyValues("terminator.complete-emitters=true")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidTerminatorPropertyException.class)
				.hasMessageContaining("terminator.complete-emitters")
				.hasMessageContaining("it was removed")
				.hasMessageContaining("terminator.subscriptions"));
	}

	@Test
	void failsAtStartUpNamingASubscriptionPatternThatDoesNotParse() {
		this.contextRunner.withPropertyValues("terminator.subscriptions=/events/**,/feeds/{id")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidTerminatorPropertyException.class)
				.hasMessageContaining("terminator.subscriptions[1]")
				.hasMessageContaining("/feeds/{id"));
	}

	@Test
	void terminationListenersAreToldOfTheResultAlongsideTheLogger() {
		this.contextRunner.withUserConfiguration(TerminationListenerConfiguration.class).run((context) -> {
			assertThat(context).hasBean("terminationLogger").hasBean("recordingTerminationListener");
			TerminationResult result = context.getBean(Terminator.class).terminate();
			assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
			assertThat(context.getBean(RecordingTerminationListener.class).results).containsExactly(result);
		});
	}

	@Test
	void bindsPropertiesWithDefaults() {
		this.contextRunner.run((context) -> {
			TerminatorProperties properties = context.getBean(TerminatorProperties.class);
			assertThat(properties.isEnabled()).isTrue();
			assertThat(properties.getDrainDelay()).isEqualTo(Duration.ZERO);
			assertThat(properties.getGracefulTimeout()).isEqualTo(Duration.ofSeconds(10));
			assertThat(properties.getMaxWait()).isEqualTo(Duration.ofSeconds(30));
			assertThat(context.getBean(Terminator.class).settings())
				.isEqualTo(new TerminatorSettings(Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(30)));
		});
	}

	@Test
	void bindsCustomProperties() {
		this.contextRunner
			.withPropertyValues("terminator.drain-delay=50ms", "terminator.graceful-timeout=1500ms",
					"terminator.max-wait=1m")
			.run((context) -> assertThat(context.getBean(Terminator.class).settings()).isEqualTo(
					new TerminatorSettings(Duration.ofMillis(50), Duration.ofMillis(1500), Duration.ofMinutes(1))));
	}

	/**
	 * Spring Boot's graceful shutdown is the phase right below the termination's, as
	 * {@link TerminatorLifecyclePhaseTests} checks on each line's servers: Spring Boot's
	 * own constant for it has moved in 4.0.
	 */
	@Test
	void givesTheTerminationPhaseMaxWaitPlusOneSecondAndSpringBootsGracefulPhaseHalfASecond() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class))
			.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=1s", "terminator.max-wait=12s")
			.run((context) -> {
				DefaultLifecycleProcessor processor = context.getBean(DefaultLifecycleProcessor.class);
				assertThat(ReflectionTestUtils.getField(processor, "timeoutPerShutdownPhase")).isEqualTo(1000L);
				assertThat(ReflectionTestUtils.getField(processor, "timeoutsForShutdownPhases"))
					.isEqualTo(Map.of(TerminatorLifecycle.PHASE, 13_000L, TerminatorLifecycle.PHASE - 1, 500L));
			});
	}

	/**
	 * Without a server adapter, as in an application on a server terminator does not
	 * drain, no termination runs.
	 */
	@Test
	void leavesTheShutdownPhasesAloneWhenNoTerminationRuns() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, TerminatorAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TerminatorLifecycle.class);
				DefaultLifecycleProcessor processor = context.getBean(DefaultLifecycleProcessor.class);
				assertThat((Map<?, ?>) ReflectionTestUtils.getField(processor, "timeoutsForShutdownPhases")).isEmpty();
			});
	}

	/**
	 * With terminator on, the idle connection is closed as soon as the context starts
	 * closing (once idle for the quiet period); with terminator off, Spring Boot's graceful shutdown leaves it open while it
	 * waits for the in-flight request, as it always did.
	 */
	@ParameterizedTest(name = "terminator.enabled={0}: idle connection {1}")
	@CsvSource({ "true, FIN", "false, OPEN" })
	void changesSpringBootsShutdownOnlyWhenEnabled(boolean enabled, Close idleConnection) throws Exception {
		try (RunningServer server = RunningServer.start(false, "terminator.enabled=" + enabled,
				RunningServer.SHORT_QUIET_PERIOD);
				RawConnection idle = server.connect();
				RawConnection busy = server.connect()) {
			assertThat(server.context().getBeansOfType(Terminator.class)).hasSize(enabled ? 1 : 0);
			RawResponse first = idle.get("/fast").readResponse(Duration.ofSeconds(5));
			assertThat(first.closesConnection()).isFalse();
			busy.get("/blocked");
			await().atMost(Duration.ofSeconds(5)).until(() -> server.hits() == 2);
			ApplicationAvailability availability = server.context().getBean(ApplicationAvailability.class);
			CompletableFuture<Void> closing = server.closeAsync();
			await().atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(10))
				.until(() -> availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC);
			assertThat(idle.awaitClose(Duration.ofMillis(300))).isEqualTo(idleConnection);
			assertThat(closing).isNotDone();
			server.releaseBlocked();
			assertThat(busy.readResponse(Duration.ofSeconds(5)).status()).isEqualTo(200);
			closing.get(10, TimeUnit.SECONDS);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomConnectionRegistryConfiguration {

		@Bean
		ConnectionRegistry customConnectionRegistry() {
			return new ConnectionRegistry();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomTerminatorConfiguration {

		@Bean
		Terminator customTerminator() {
			return new Terminator(new ConnectionRegistry(), NoServer.adapter(), new TerminatorSettings(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2)), List.of());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomTerminatorLifecycleConfiguration {

		@Bean
		TerminatorLifecycle customTerminatorLifecycle(Terminator terminator) {
			return new TerminatorLifecycle(terminator);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomTerminationLoggerConfiguration {

		@Bean
		TerminationListener terminationLogger() {
			return new RecordingTerminationListener();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TerminationListenerConfiguration {

		@Bean
		RecordingTerminationListener recordingTerminationListener() {
			return new RecordingTerminationListener();
		}

	}

	static class RecordingTerminationListener implements TerminationListener {

		final List<TerminationResult> results = new CopyOnWriteArrayList<>();

		@Override
		public void terminated(TerminationResult result) {
			this.results.add(result);
		}

	}

}
