package io.github.terminator.reliability;

import java.io.IOException;
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
import io.github.terminator.test.TestApplication;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.parallel.Isolated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.awaitility.Awaitility.await;

/**
 * Misbehaving handlers and hostile clients during a termination: each time it ends within
 * its bounds, with the right counts, and nothing throws, in the starter or in the server.
 */
// Reads the server's log, which every other application started or stopped meanwhile resets.
@Isolated
class FaultsTests {

	private static final String GRACEFUL_TIMEOUT = "terminator.graceful-timeout=500ms";

	private static final String MAX_WAIT = "terminator.max-wait=2s";

	/** What a forced termination may take beyond the graceful timeout. */
	private static final long FORCE_MARGIN_MILLIS = 1400;

	private static final Duration WAIT = Duration.ofSeconds(10);

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenHandlerIgnoresInterruptsAndNeverReturnsThenItsConnectionIsForcedAtTheGracefulTimeout(
			ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, GRACEFUL_TIMEOUT, MAX_WAIT);
				RawConnection client = server.connect();
				ServerLog log = ServerLog.attach()) {
			client.get("/stuck");
			server.awaitRequestsInFlight(1);
			TerminationResult result = server.terminator().terminate();
			assertForcedWithinBounds(result);
			assertThat(client.awaitClose(WAIT)).isNotEqualTo(Close.OPEN);
			assertThat(client.bytesReceived()).isZero();
			server.releaseBlocked();
			log.assertNoError();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenClientNeverReadsItsResponseThenItsConnectionIsForcedAndTheBlockedWriterReleased(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, GRACEFUL_TIMEOUT, MAX_WAIT);
				RawConnection client = server.connect();
				ServerLog log = ServerLog.attach()) {
			client.get("/large?megabytes=256");
			await().atMost(WAIT).until(() -> server.handlersWriting() == 1);
			TerminationResult result = server.terminator().terminate();
			assertForcedWithinBounds(result);
			// The handler that was blocked writing fails at once, and its thread is given back.
			await().atMost(Duration.ofSeconds(5)).until(() -> server.handlersWriting() == 0);
			log.assertNoErrorBut(FaultsTests::isWriteToClosedConnection);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenClientSendsItsRequestHeadOneByteAtATimeDuringTheDrainThenItsConnectionIsClosedUnread(
			ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup);
				RawConnection client = server.connect();
				ServerLog log = ServerLog.attach()) {
			String request = "GET /echo HTTP/1.1\r\nHost: localhost\r\n" + TestApplication.REQUEST_ID + ": slow\r\n\r\n";
			CompletableFuture<TerminationResult> result = null;
			long start = System.nanoTime();
			for (int i = 0; i < request.length(); i++) {
				try {
					client.send(request.substring(i, i + 1));
				}
				catch (IOException ex) {
					break;
				}
				if (i == 10) {
					result = server.terminateAsync();
				}
				Thread.sleep(10);
			}
			assertThatIOException().isThrownBy(() -> client.readResponse(WAIT));
			assertThat(client.bytesReceived()).isZero();
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.connectionsClosedIdle()).isOne();
			// A connection is closed after its quiet window, a byte arriving or not.
			assertThat(terminated.duration()).isLessThan(Duration.ofMillis(2000));
			assertThat(elapsedMillis(start)).isLessThan(request.length() * 10L + 2000);
			assertThat(server.received()).isEmpty();
			log.assertNoError();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenClientSendsItsRequestBodyOneByteAtATimeDuringTheDrainThenTheRequestIsServed(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup);
				RawConnection client = server.connect();
				ServerLog log = ServerLog.attach()) {
			String body = "twenty bytes of body";
			client.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
					+ "Content-Length: " + body.length() + "\r\n\r\n");
			server.awaitRequestsInFlight(1);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			for (int i = 0; i < body.length(); i++) {
				Thread.sleep(10);
				client.send(body.substring(i, i + 1));
			}
			RawResponse response = client.readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("received 20");
			assertThat(response.closesConnection()).isTrue();
			assertThat(client.awaitClose(WAIT)).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isOne();
			log.assertNoError();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenRequestsArePipelinedThenTheOneInFlightIsServedWithConnectionCloseAndNoOtherIsProcessed(
			ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup);
				RawConnection client = server.connect();
				ServerLog log = ServerLog.attach()) {
			client.send("GET /slow?millis=800 HTTP/1.1\r\nHost: localhost\r\n\r\n" + echo("p1") + echo("p2"));
			server.awaitRequestsInFlight(1);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			RawResponse response = client.readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("slow 800");
			assertThat(response.closesConnection()).isTrue();
			// The requests behind it get no response, and were not processed: a client
			// retries them (RFC 9112, 9.3.2).
			assertThat(client.awaitClose(WAIT)).isNotEqualTo(Close.OPEN);
			assertThat(server.received()).isEmpty();
			assertThat(server.hits()).isOne();
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isOne();
			log.assertNoError();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenClientHalfClosesAfterItsRequestThenItStillGetsTheResponse(ServerSetup setup) throws Exception {
		// Reactor Netty closes a connection as soon as its client half-closes it, serving or
		// draining (Netty's ALLOW_HALF_CLOSURE is off): nothing for the drain to keep.
		assumeFalse(setup.server().reactive(), "Reactor Netty closes a half-closed connection, drain or not");
		try (RunningServer server = RunningServer.start(setup);
				RawConnection client = server.connect();
				ServerLog log = ServerLog.attach()) {
			client.get("/slow?millis=800").shutdownOutput();
			server.awaitRequestsInFlight(1);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			RawResponse response = client.readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("slow 800");
			assertThat(client.awaitClose(WAIT)).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted() + terminated.connectionsClosedIdle()).isOne();
			log.assertNoError();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenIdleClientHalfClosesAsTheDrainStartsThenTheConnectionEndsWithoutError(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD);
				RawConnection client = server.connect();
				ServerLog log = ServerLog.attach()) {
			assertThat(client.get("/fast").readResponse(WAIT).status()).isEqualTo(200);
			Thread.sleep(150);
			client.shutdownOutput();
			TerminationResult terminated = server.terminator().terminate();
			assertThat(client.awaitClose(WAIT)).isEqualTo(Close.FIN);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.duration()).isLessThan(Duration.ofMillis(2000));
			assertThat(terminated.requestsCompleted()).isZero();
			log.assertNoError();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenHandlerThrowsDuringTheDrainThenItsErrorResponseClosesTheConnection(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup);
				RawConnection client = server.connect();
				ServerLog log = ServerLog.attach()) {
			client.get("/throw?millis=300");
			server.awaitRequestsInFlight(1);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			RawResponse response = client.readResponse(WAIT);
			assertThat(response.status()).isEqualTo(500);
			assertThat(response.closesConnection()).isTrue();
			assertThat(client.awaitClose(WAIT)).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isOne();
			log.assertNoErrorBut((ex) -> hasCause(ex, "handler failed on purpose"));
		}
	}

	private static String echo(String id) {
		return "GET /echo HTTP/1.1\r\nHost: localhost\r\n" + TestApplication.REQUEST_ID + ": " + id + "\r\n\r\n";
	}

	private static void assertForcedWithinBounds(TerminationResult result) {
		assertThat(result.code()).as("%s", result).isEqualTo(TerminationCode.FORCED);
		assertThat(result.connectionsForced()).isOne();
		assertThat(result.requestsCompleted()).isZero();
		assertThat(result.duration()).isBetween(Duration.ofMillis(500), Duration.ofMillis(500 + FORCE_MARGIN_MILLIS));
	}

	private static boolean isWriteToClosedConnection(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof IOException) {
				return true;
			}
		}
		return false;
	}

	private static boolean hasCause(Throwable ex, String message) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (message.equals(cause.getMessage())) {
				return true;
			}
		}
		return false;
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

}
