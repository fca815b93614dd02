package io.github.terminator.conformance;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams the application owns end when the drain starts, with a clean end of stream,
 * instead of being cut at the graceful timeout: the starter completes Spring MVC's
 * emitters, or the application ends its streams itself on the {@code DrainStartedEvent}.
 */
class StreamsConformanceTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * Long enough for a stream that was not ended to show it: the graceful timeout is 10 s.
	 */
	private static final long ENDED_WITHIN_MILLIS = 1000;

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#all")
	void whenDrainStartsThenAnEndlessEventStreamEndsCleanlyAndTheTerminationIsGraceful(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD);
				RawConnection client = server.connect()) {
			RawResponse head = client.get("/sse?events=100000&intervalMillis=50").readHead(WAIT);
			assertThat(head.status()).isEqualTo(200);
			server.awaitRequestsInFlight(1);
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			// The body ends: the last chunk came, the stream is complete.
			RawResponse response = client.readBody(head);
			assertThat(elapsedMillis(start)).isLessThan(ENDED_WITHIN_MILLIS);
			assertThat(response.body()).contains("data:event 1").doesNotContain("event 100000");
			assertThat(client.awaitClose(WAIT)).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isEqualTo(1);
			assertThat(terminated.connectionsForced()).isZero();
			assertThat(terminated.duration()).isLessThan(Duration.ofMillis(ENDED_WITHIN_MILLIS));
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#plain")
	void whenEmittersAreLeftToTheApplicationThenWhatItDoesOnTheDrainStartedEventIsWhatTheClientSees(
			ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD,
				"terminator.complete-emitters=false", "terminator.graceful-timeout=1s");
				RawConnection own = server.connect();
				RawConnection other = server.connect()) {
			RawResponse ownHead = own.get("/own-sse").readHead(WAIT);
			RawResponse otherHead = other.get("/sse?events=100000&intervalMillis=50").readHead(WAIT);
			server.awaitRequestsInFlight(2);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(own.readBody(ownHead).body()).contains("data:hello").endsWith("data:bye\n\n");
			// Not completed by the starter: cut at the graceful timeout, here 1 s.
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).isEqualTo(TerminationCode.FORCED);
			assertThat(terminated.connectionsForced()).isEqualTo(1);
			assertThat(otherHead.status()).isEqualTo(200);
		}
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

}
