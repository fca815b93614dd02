package io.github.terminator.conformance;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bounds of a termination hold as configured when the application context closes,
 * whatever {@code spring.lifecycle.timeout-per-shutdown-phase} says (bounds that cannot
 * hold stop the application at start-up: {@code InvalidConfigurationTests}).
 */
class ShutdownBoundsConformanceTests {

	private static final Duration RESPONSE_WAIT = Duration.ofSeconds(10);

	/**
	 * How late, at most, an event may come after its bound: the scheduling of the drain's
	 * and of this test's threads on a busy two-core machine, nothing more.
	 */
	private static final long LATE_MARGIN_MILLIS = 1500;

	/**
	 * How long after the max-wait the web server has stopped at the latest: the contract's
	 * bound.
	 */
	private static final long STOP_MARGIN_MILLIS = 2000;

	static Stream<Arguments> shutdownModesOnEachServer() {
		return ServerSetup.everyStackPlain()
			.flatMap((setup) -> Stream.of("graceful", "immediate").map((shutdown) -> Arguments.of(shutdown, setup)));
	}

	@ParameterizedTest(name = "server.shutdown={0} {1}")
	@MethodSource("shutdownModesOnEachServer")
	void whenMaxWaitIsLongerThanThePhaseTimeoutThenTheTerminationStillGetsAllOfIt(String shutdown,
			ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, "server.shutdown=" + shutdown,
				"spring.lifecycle.timeout-per-shutdown-phase=1s", "terminator.drain-delay=1s",
				"terminator.graceful-timeout=3s", "terminator.max-wait=4s"); RawConnection client = server.connect()) {
			Terminator terminator = server.terminator();
			client.get("/slow?millis=2500");
			server.awaitRequestsInFlight(1);
			long start = System.nanoTime();
			CompletableFuture<Void> closed = server.closeAsync();
			RawResponse response = client.readResponse(RESPONSE_WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("slow 2500");
			assertThat(response.closesConnection()).isTrue();
			// Well past the phase timeout of 1s: the phase was not cut short.
			assertThat(elapsedMillis(start)).isGreaterThan(2000);
			assertThat(client.awaitClose(Duration.ofSeconds(1))).isEqualTo(Close.FIN);
			closed.get(10, TimeUnit.SECONDS);
			TerminationResult result = terminator.lastResult();
			assertThat(result.code()).as("%s", result).isEqualTo(TerminationCode.TERMINATED);
			assertThat(result.requestsCompleted()).isEqualTo(1);
		}
	}

	@ParameterizedTest(name = "server.shutdown={0} {1}")
	@MethodSource("shutdownModesOnEachServer")
	void whenMaxWaitIsShorterThanThePhaseTimeoutThenTheTerminationEndsByIt(String shutdown, ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, "server.shutdown=" + shutdown,
				"spring.lifecycle.timeout-per-shutdown-phase=30s", "terminator.drain-delay=500ms",
				"terminator.graceful-timeout=1s", "terminator.max-wait=1500ms");
				RawConnection client = server.connect()) {
			Terminator terminator = server.terminator();
			client.get("/slow?millis=4000");
			server.awaitRequestsInFlight(1);
			long start = System.nanoTime();
			CompletableFuture<Void> closed = server.closeAsync();
			assertThat(client.awaitClose(Duration.ofSeconds(5))).isNotEqualTo(Close.OPEN);
			long cutAfter = elapsedMillis(start);
			// Delay and graceful timeout add up to the max-wait: the drain forces 250 ms
			// before it, so that the cut connection is closed and counted in time.
			assertThat(cutAfter).isBetween(1250L, 1500 + LATE_MARGIN_MILLIS);
			await().atMost(Duration.ofSeconds(5)).until(() -> terminator.lastResult() != null);
			TerminationResult result = terminator.lastResult();
			// FORCED, but for a machine so loaded that the drain's thread did not run in the
			// 250 ms: the max-wait then ends the termination and says so, the connection
			// reported left (Spring Boot's stop closes it), not forced.
			assertThat(result.code()).as("%s", result).isIn(TerminationCode.FORCED, TerminationCode.TIMED_OUT);
			assertThat((result.code() == TerminationCode.FORCED) ? result.connectionsForced() : result.connectionsLeft())
				.as("%s", result)
				.isEqualTo(1);
			assertThat(result.duration()).isLessThanOrEqualTo(Duration.ofMillis(1500 + LATE_MARGIN_MILLIS));
			// Spring Boot's own graceful shutdown does not wait for the cut request.
			closed.get(1500 + STOP_MARGIN_MILLIS, TimeUnit.MILLISECONDS);
		}
	}

	static Stream<Arguments> handlersThatOutliveTheMaxWait() {
		return ServerSetup.everyStackPlain()
			.flatMap((setup) -> Stream.of(Arguments.of("a handler that never returns", "/stuck", setup),
					Arguments.of("an endless event stream", "/sse?events=100000&intervalMillis=200", setup),
					Arguments.of("a handler blocked writing to a client that does not read",
							"/large?megabytes=256", setup)));
	}

	/**
	 * With Spring Boot's defaults ({@code server.shutdown=graceful}, 30 s a shutdown
	 * phase), the application context has closed, its web server stopped, within the
	 * max-wait plus 2 s of the termination's start: a request cut by force is over for its
	 * client, and nothing waits for it afterwards.
	 */
	@ParameterizedTest(name = "{0} {2}")
	@MethodSource("handlersThatOutliveTheMaxWait")
	void whenAHandlerOutlivesTheGracefulTimeoutThenTheServerStopsWithinTheMaxWaitPlusTwoSeconds(String description,
			String target, ServerSetup setup) throws Exception {
		// An endless event stream the application does not end, and did not declare a subscription.
		// Forced at 1 s, with 2 s to see the forced connection closed.
		try (RunningServer server = RunningServer.start(setup, "terminator.graceful-timeout=1s",
				"terminator.max-wait=3s"); RawConnection client = server.connect()) {
			Terminator terminator = server.terminator();
			client.get(target);
			server.awaitRequestsInFlight(1);
			long start = System.nanoTime();
			server.context().close();
			long stoppedAfter = elapsedMillis(start);
			assertThat(terminator.lastResult().code()).as("%s", terminator.lastResult())
				.isEqualTo(TerminationCode.FORCED);
			assertThat(stoppedAfter).as("milliseconds from the close to the server stopped")
				.isLessThan(3000 + STOP_MARGIN_MILLIS);
		}
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

}
