package io.github.terminator.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.TerminatorSettings;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TerminatorLifecycle}, on the line's default server where a real one
 * runs.
 */
class TerminatorLifecycleTests {

	private static final Duration RESPONSE_WAIT = Duration.ofSeconds(10);

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TerminatorAutoConfiguration.class));

	/**
	 * Spring Boot's own constant for its phase has moved in 4.0;
	 * {@link TerminatorLifecyclePhaseTests} compares with the real one on each line.
	 */
	@Test
	void stopsBeforeSpringBootsGracefulShutdown() {
		TerminatorLifecycle lifecycle = new TerminatorLifecycle(terminator(() -> {
		}));
		assertThat(lifecycle.getPhase()).isGreaterThan(ShutdownPhaseBudgets.BOOT_GRACEFUL_SHUTDOWN_PHASE);
		assertThat(lifecycle.isAutoStartup()).isTrue();
	}

	@Test
	void stopRunsTheTerminationOnce() {
		Terminator terminator = terminator(() -> {
		});
		TerminatorLifecycle lifecycle = new TerminatorLifecycle(terminator);
		lifecycle.start();
		assertThat(lifecycle.isRunning()).isTrue();
		lifecycle.stop();
		assertThat(lifecycle.isRunning()).isFalse();
		TerminationResult result = terminator.lastResult();
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		lifecycle.stop();
		assertThat(terminator.lastResult()).isSameAs(result);
	}

	@ParameterizedTest(name = "server.shutdown={0}")
	@ValueSource(strings = { "graceful", "immediate" })
	void whenContextClosesThenInFlightRequestCompletesWithConnectionClose(String shutdown) throws Exception {
		try (RunningServer server = RunningServer.start(false, "server.shutdown=" + shutdown)) {
			TerminationResult result = closeDuringSlowRequest(server, 1500);
			assertThat(server.context().isActive()).isFalse();
			assertThat(result).isNotNull();
			assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
			assertThat(result.requestsCompleted()).isEqualTo(1);
		}
	}

	/**
	 * The contract's promise, seen from a client. The termination runs synchronously in
	 * {@link TerminatorLifecycle#stop()}, which the lifecycle processor does not time out,
	 * so this holds even without the phase budget that
	 * {@code TerminatorAutoConfigurationTests} checks.
	 */
	@Test
	void whenContextClosesThenTerminationGetsItsGracefulTimeoutWhateverTheTimeoutPerShutdownPhase()
			throws Exception {
		try (RunningServer server = RunningServer.start(false, "spring.lifecycle.timeout-per-shutdown-phase=1s",
				"terminator.graceful-timeout=3s", "terminator.max-wait=4s")) {
			TerminationResult result = closeDuringSlowRequest(server, 2000);
			assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		}
	}

	/**
	 * No server runs: the adapter stands in for one, and the termination, not the server,
	 * is what the close waits for.
	 */
	@Test
	void whenTerminationCannotFinishThenContextClosesAtMaxWait() {
		this.contextRunner.withUserConfiguration(StuckServerAdapterConfiguration.class)
			.withPropertyValues("terminator.graceful-timeout=0s", "terminator.max-wait=1s")
			.run((context) -> {
				StuckServerAdapter adapter = context.getBean(StuckServerAdapter.class);
				Terminator terminator = context.getBean(Terminator.class);
				try {
					long start = System.nanoTime();
					context.close();
					long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
					assertThat(adapter.entered.getCount()).isZero();
					assertThat(elapsedMillis).isBetween(1000L, 5000L);
					assertThat(terminator.lastResult().code()).isEqualTo(TerminationCode.TIMED_OUT);
					assertThat(context.getSourceApplicationContext().isActive()).isFalse();
				}
				finally {
					adapter.release.countDown();
				}
			});
	}

	/**
	 * Closes the context while a request of {@code millis} is in flight, and checks the
	 * client gets its complete response with {@code Connection: close}.
	 * @return the result of the termination the close ran
	 */
	private static TerminationResult closeDuringSlowRequest(RunningServer server, long millis) throws Exception {
		Terminator terminator = server.terminator();
		try (RawConnection client = server.connect()) {
			client.get("/slow?millis=" + millis);
			server.awaitRequestsInFlight(1);
			CompletableFuture<Void> closing = server.closeAsync();
			RawResponse response = client.readResponse(RESPONSE_WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("slow " + millis);
			assertThat(response.closesConnection()).isTrue();
			closing.get(10, TimeUnit.SECONDS);
		}
		return terminator.lastResult();
	}

	private static Terminator terminator(ServerAdapter server) {
		return new Terminator(new ConnectionRegistry(), server,
				new TerminatorSettings(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2)), List.of());
	}

	@Configuration(proxyBeanMethods = false)
	static class StuckServerAdapterConfiguration {

		@Bean
		StuckServerAdapter stuckServerAdapter() {
			return new StuckServerAdapter();
		}

	}

	/**
	 * A server whose listener never closes, deaf to interrupts, as a hung server would be.
	 */
	static class StuckServerAdapter implements ServerAdapter {

		final CountDownLatch entered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		@Override
		public void stopAccepting() {
			this.entered.countDown();
			while (this.release.getCount() > 0) {
				try {
					this.release.await();
				}
				catch (InterruptedException ex) {
					// Stuck: an interrupt does not get it out.
				}
			}
		}

	}

}
