package io.github.terminator.conformance;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What a client observes, over real sockets, when the server drains: the contract's
 * DRAINING, FORCING and TERMINATED phases, over HTTP and HTTPS.
 */
class DrainConformanceTests {

	private static final Duration RESPONSE_WAIT = Duration.ofSeconds(10);

	@ParameterizedTest(name = "tls={0}")
	@ValueSource(booleans = { false, true })
	void whenDrainStartsThenIdleKeepAliveConnectionIsClosedWithFin(boolean tls) throws Exception {
		try (RunningServer server = RunningServer.start(tls); RawConnection client = server.connect()) {
			RawResponse response = client.get("/fast").readResponse(RESPONSE_WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.closesConnection()).isFalse();
			quietWindowPasses();
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(client.awaitClose(Duration.ofSeconds(5))).isEqualTo(Close.FIN);
			assertThat(elapsedMillis(start)).isLessThan(1000);
			assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
			assertThat(result.get().connectionsClosedIdle()).isEqualTo(1);
		}
	}

	@ParameterizedTest(name = "tls={0}")
	@ValueSource(booleans = { false, true })
	void whenDrainStartsThenInFlightRequestCompletesWithConnectionClose(boolean tls) throws Exception {
		try (RunningServer server = RunningServer.start(tls); RawConnection client = server.connect()) {
			client.get("/slow?millis=600");
			await().atMost(Duration.ofSeconds(5)).until(() -> server.registry().requestsInFlight() == 1);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			RawResponse response = client.readResponse(RESPONSE_WAIT);
			long responseAt = System.nanoTime();
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("slow 600");
			assertThat(response.closesConnection()).isTrue();
			assertThat(client.awaitClose(Duration.ofSeconds(2))).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isEqualTo(1);
			assertThat(elapsedMillis(responseAt)).isLessThan(500);
		}
	}

	@ParameterizedTest(name = "tls={0}")
	@ValueSource(booleans = { false, true })
	void whenDrainStartsThenNewConnectionIsRefused(boolean tls) throws Exception {
		try (RunningServer server = RunningServer.start(tls)) {
			int port = server.port();
			assertThat(server.terminator().terminate().code()).isEqualTo(TerminationCode.TERMINATED);
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawConnection.open(port, tls));
		}
	}

	private static void quietWindowPasses() throws InterruptedException {
		Thread.sleep(150);
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

}
