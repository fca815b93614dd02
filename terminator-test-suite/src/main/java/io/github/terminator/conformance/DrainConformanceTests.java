package io.github.terminator.conformance;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.TerminatorSettings;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import io.github.terminator.test.TestApplication;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.awaitility.Awaitility.await;

/**
 * What a client observes, over real sockets, when the server drains: the contract's
 * DRAINING, FORCING and TERMINATED phases, on every server over HTTP and HTTPS.
 */
class DrainConformanceTests {

	private static final Duration RESPONSE_WAIT = Duration.ofSeconds(10);

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whileServingThenResponsesCarryTheServersOwnConnectionHeaderAndConnectionsAreKeptAlive(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup); RawConnection client = server.connect()) {
			for (int i = 0; i < 3; i++) {
				RawResponse response = client.get("/fast").readResponse(RESPONSE_WAIT);
				assertThat(response.status()).isEqualTo(200);
				assertThat(response.header("connection")).isEqualTo(setup.server().keepAliveHeader());
			}
			// The server counts a request once its processing is over, a moment after the
			// client has read the response.
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(server.registry().connections()).singleElement()
					.satisfies((connection) -> assertThat(connection.requestsServed()).isEqualTo(3)));
			assertThat(client.awaitClose(Duration.ofMillis(200))).isEqualTo(Close.OPEN);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenDrainStartsThenIdleKeepAliveConnectionIsClosedWithFin(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD);
				RawConnection client = server.connect()) {
			RawResponse response = client.get("/fast").readResponse(RESPONSE_WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.closesConnection()).isFalse();
			quietWindowPasses();
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(client.awaitClose(Duration.ofSeconds(5))).isEqualTo(Close.FIN);
			assertThat(elapsedMillis(start)).isLessThan(2000);
			assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
			assertThat(result.get().connectionsClosedIdle()).isEqualTo(1);
		}
	}

	/**
	 * A pooled client reuses a connection unchecked until it has been idle for a while
	 * (Apache HttpClient 5: 2 s): the drain closes a kept-alive connection only once it
	 * has been idle for longer, and serves what arrives on it before then.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenKeptAliveConnectionWasUsedRecentlyThenItIsClosedOnlyAfterTheQuietPeriod(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup); RawConnection client = server.connect()) {
			long sentAt = System.nanoTime();
			client.get("/fast").readResponse(RESPONSE_WAIT);
			long responseAt = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			long quietPeriod = TerminatorSettings.DEFAULT_QUIET_PERIOD.toMillis();
			assertThat(client.awaitClose(Duration.ofSeconds(5))).isEqualTo(Close.FIN);
			// The server's quiet began as it sent the response: after the request was sent,
			// before this client read the response, which a loaded machine may let it do
			// hundreds of milliseconds later.
			assertThat(elapsedMillis(sentAt)).as("milliseconds from the request to the close")
				.isGreaterThanOrEqualTo(quietPeriod);
			assertThat(elapsedMillis(responseAt)).as("milliseconds from the response to the close")
				.isLessThan(quietPeriod + 1500);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.connectionsClosedIdle()).isEqualTo(1);
		}
	}

	/**
	 * A request whose bytes have reached the server is a request, even when no thread has
	 * started on it: with the one worker thread busy, a request written on an idle
	 * connection waits unread as the drain comes to close that connection.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenRequestBytesWaitUnreadOnAnIdleConnectionThenTheDrainServesTheRequest(ServerSetup setup)
			throws Exception {
		assumeFalse(Boolean.getBoolean("spring.threads.virtual.enabled"),
				"virtual threads are not a pool that one request can hold busy");
		// The Jetty adapter's check of waiting bytes (FIONREAD before the close) was proven
		// with Jetty's selector held instead, outside this suite.
		assumeFalse(setup.server().oneWorker().isEmpty(), "the server's pool cannot be held busy by one request");
		List<String> properties = new ArrayList<>(setup.server().oneWorker());
		properties.add(RunningServer.SHORT_QUIET_PERIOD);
		try (RunningServer server = RunningServer.start(setup, properties.toArray(String[]::new));
				RawConnection idle = server.connect(); RawConnection busy = server.connect()) {
			assertThat(idle.get("/fast").readResponse(RESPONSE_WAIT).status()).isEqualTo(200);
			busy.get("/blocked");
			server.awaitRequestsInFlight(1);
			quietWindowPasses();
			idle.send("GET /echo HTTP/1.1\r\nHost: localhost\r\n" + TestApplication.REQUEST_ID + ": waiting\r\n\r\n");
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			server.awaitClosingConnections();
			// Long enough for the drain to have closed the connection, had it taken it for idle.
			assertThat(idle.awaitClose(Duration.ofMillis(300))).isEqualTo(Close.OPEN);
			server.releaseBlocked();
			assertThat(busy.readResponse(RESPONSE_WAIT).body()).isEqualTo("released");
			RawResponse response = idle.readResponse(RESPONSE_WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("waiting");
			assertThat(response.closesConnection()).isTrue();
			assertThat(idle.awaitClose(RESPONSE_WAIT)).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isEqualTo(2);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenDrainStartsThenNewConnectionIsRefused(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup)) {
			int port = server.port();
			assertThat(server.terminator().terminate().code()).isEqualTo(TerminationCode.TERMINATED);
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawConnection.open(port, setup.tls()));
		}
	}

	static Stream<Arguments> requestHeadsNeverCompleted() {
		String nothing = "";
		String halfAHead = "GET /fast HTTP/1.1\r\nHost: loc";
		return ServerSetup.withEachOnEveryStack(new Object[] { "no request", nothing }, new Object[] { "half a head", halfAHead });
	}

	@ParameterizedTest(name = "{0} {2}")
	@MethodSource("requestHeadsNeverCompleted")
	void whenDrainStartsThenConnectionWithoutCompleteRequestIsClosedWithFin(String description, String sent,
			ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup); RawConnection client = server.connect()) {
			client.send(sent);
			await().atMost(Duration.ofSeconds(5)).until(() -> server.registry().size() == 1);
			quietWindowPasses();
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(client.awaitClose(Duration.ofSeconds(5))).isEqualTo(Close.FIN);
			assertThat(elapsedMillis(start)).isLessThan(2000);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.connectionsClosedIdle()).isEqualTo(1);
			assertThat(server.hits()).isZero();
		}
	}

	/**
	 * A new connection is closed once quiet for 100 ms, counted from the end of its TLS
	 * handshake: a client writes its request as soon as its handshake ends, and a busy
	 * machine can make a handshake last longer than that. This client writes 50 ms after
	 * its handshake; an attempt in which it was held up past 80 ms proves nothing of the
	 * window, and is tried again.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackSecure")
	void whenTlsHandshakeEndsDuringTheDrainThenTheRequestWrittenRightAfterIsServed(ServerSetup setup)
			throws Exception {
		for (int attempt = 1; attempt <= 3; attempt++) {
			try (RunningServer server = RunningServer.start(setup); Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
				// Past the quiet window of a new connection, counted from the accept.
				Thread.sleep(300);
				CompletableFuture<TerminationResult> result = server.terminateAsync();
				server.awaitClosingConnections();
				Thread.sleep(300);
				try (RawConnection client = RawConnection.startTls(socket, server.port())) {
					long handshakeEndedAt = System.nanoTime();
					Thread.sleep(50);
					if (elapsedMillis(handshakeEndedAt) > 80) {
						continue;
					}
					RawResponse response = client.get("/fast").readResponse(RESPONSE_WAIT);
					assertThat(response.status()).isEqualTo(200);
					assertThat(response.closesConnection()).isTrue();
					assertThat(client.awaitClose(RESPONSE_WAIT)).isEqualTo(Close.FIN);
				}
				assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
				return;
			}
		}
		fail("Could not write a request within 80 ms of the TLS handshake in 3 attempts: the machine is too busy");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenRequestArrivesInTheQuietWindowThenItIsServedWithConnectionClose(ServerSetup setup) throws Exception {
		// The window is the quiet period (2.5 s) from the end of the last response: on a busy
		// machine this test's own threads can miss it, so an attempt that sent too late is
		// tried again.
		for (int attempt = 1; attempt <= 3; attempt++) {
			try (RunningServer server = RunningServer.start(setup); RawConnection client = server.connect()) {
				client.get("/fast").readResponse(RESPONSE_WAIT);
				long responseAt = System.nanoTime();
				CompletableFuture<TerminationResult> result = server.terminateAsync();
				server.awaitClosingConnections();
				if (elapsedMillis(responseAt) > 1500) {
					continue;
				}
				RawResponse response = client.get("/fast").readResponse(RESPONSE_WAIT);
				assertThat(response.status()).isEqualTo(200);
				assertThat(response.body()).isEqualTo("fast");
				assertThat(response.closesConnection()).isTrue();
				assertThat(client.awaitClose(Duration.ofSeconds(2))).isEqualTo(Close.FIN);
				assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
				assertThat(server.hits()).isEqualTo(2);
				return;
			}
		}
		fail("Could not send a request within 1.5 s of the last response in 3 attempts: the machine is too busy");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenRequestIsSentOnKeptAliveConnectionAfterDrainStartedThenItIsServed(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, "terminator.graceful-timeout=5s")) {
			RawConnection busy = server.connect();
			RawConnection idle = server.connect();
			idle.get("/fast").readResponse(RESPONSE_WAIT);
			// Blocked until clients are told to close: a timed request may end before the
			// drain starts on a loaded machine, and then rightly keep its connection.
			busy.get("/blocked");
			server.awaitRequestsInFlight(1);
			quietWindowPasses();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			server.awaitClosingConnections();
			int hitsBefore = server.hits();
			// Within the quiet period: served, never closed under the request.
			RawResponse late = idle.get("/fast").readResponse(RESPONSE_WAIT);
			assertThat(late.status()).isEqualTo(200);
			assertThat(late.closesConnection()).isTrue();
			assertThat(idle.awaitClose(RESPONSE_WAIT)).isEqualTo(Close.FIN);
			assertThat(server.hits()).isEqualTo(hitsBefore + 1);
			server.releaseBlocked();
			RawResponse inFlight = busy.readResponse(RESPONSE_WAIT);
			assertThat(inFlight.status()).isEqualTo(200);
			assertThat(inFlight.body()).isEqualTo("released");
			assertThat(inFlight.closesConnection()).isTrue();
			assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
			busy.close();
			idle.close();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenRequestOutlastsGracefulTimeoutThenItIsCutAndResultIsForced(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, "terminator.graceful-timeout=500ms",
				"terminator.max-wait=5s"); RawConnection client = server.connect()) {
			client.get("/blocked");
			server.awaitRequestsInFlight(1);
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(client.awaitClose(Duration.ofSeconds(5))).isNotEqualTo(Close.OPEN);
			long cutAfter = elapsedMillis(start);
			assertThat(cutAfter).isBetween(450L, 3000L);
			TerminationResult forced = result.get(5, TimeUnit.SECONDS);
			assertThat(forced.code()).as("%s", forced).isEqualTo(TerminationCode.FORCED);
			assertThat(forced.success()).isFalse();
			assertThat(forced.connectionsForced()).isEqualTo(1);
			assertThat(forced.requestsCompleted()).isZero();
			assertThat(forced.oldestRequestCut().method()).isEqualTo("GET");
			assertThat(forced.oldestRequestCut().path()).isEqualTo("/blocked");
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenNothingIsInFlightThenTerminationTakesUnder100Milliseconds(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup)) {
			TerminationResult result = server.terminator().terminate();
			assertThat(result.code()).as("%s", result).isEqualTo(TerminationCode.TERMINATED);
			// Far below the quiet period it would have waited: the few-millisecond bound is the
			// drain's own (TerminatorTests), on a machine no other test loads.
			assertThat(result.duration()).isLessThan(Duration.ofMillis(1000));
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenRequestsAreInFlightThenTerminationEndsRightAfterTheLastResponse(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup); RawConnection first = server.connect();
				RawConnection last = server.connect()) {
			// Held until clients are told to close: timed requests could end first on a loaded
			// machine, and rightly keep their connections.
			first.get("/blocked");
			last.get("/blocked");
			server.awaitRequestsInFlight(2);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			server.awaitClosingConnections();
			server.releaseBlocked();
			assertThat(first.readResponse(RESPONSE_WAIT).closesConnection()).isTrue();
			assertThat(last.readResponse(RESPONSE_WAIT).closesConnection()).isTrue();
			long lastResponseAt = System.nanoTime();
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			long endedAfterLastResponse = elapsedMillis(lastResponseAt);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isEqualTo(2);
			assertThat(terminated.connectionsCompleted()).isEqualTo(2);
			assertThat(terminated.connectionsClosedIdle()).isZero();
			// A few milliseconds in the server, plus the scheduling of this test's threads.
			assertThat(endedAfterLastResponse).isLessThan(500);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenTerminateIsCalledConcurrentlyThenOneRunGivesOneResult(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup); RawConnection client = server.connect()) {
			// Held until the calls are made and the run they share is draining.
			client.get("/blocked");
			server.awaitRequestsInFlight(1);
			List<CompletableFuture<TerminationResult>> calls = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				calls.add(server.terminateAsync());
			}
			server.awaitClosingConnections();
			server.releaseBlocked();
			TerminationResult first = calls.get(0).get(5, TimeUnit.SECONDS);
			for (CompletableFuture<TerminationResult> call : calls) {
				assertThat(call.get(5, TimeUnit.SECONDS)).isSameAs(first);
			}
			assertThat(server.terminator().terminate()).isSameAs(first);
			assertThat(first.requestsCompleted()).isEqualTo(1);
		}
	}

	static Stream<Arguments> inFlightRequests() {
		return ServerSetup.withEachOnEveryStack(new Object[] { "/slow?millis=600" }, new Object[] { "/deferred?millis=600" },
				new Object[] { "/callable?millis=600" });
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("inFlightRequests")
	void whenDrainStartsThenInFlightRequestCompletesWithConnectionClose(String target, ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup); RawConnection client = server.connect()) {
			client.get(target);
			server.awaitRequestsInFlight(1);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(result).isNotDone();
			RawResponse response = client.readResponse(RESPONSE_WAIT);
			long responseAt = System.nanoTime();
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).endsWith(" 600");
			assertThat(response.closesConnection()).isTrue();
			assertThat(client.awaitClose(Duration.ofSeconds(2))).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(elapsedMillis(responseAt)).isLessThan(1500);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isEqualTo(1);
		}
	}

	static Stream<Arguments> streamingResponses() {
		return ServerSetup.withEachOnEveryStack(new Object[] { "/sse?events=4&intervalMillis=150" },
				new Object[] { "/stream?chunks=4&intervalMillis=150" });
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("streamingResponses")
	void whenCommittedStreamingResponseIsInFlightThenItCompletesAndItsConnectionIsClosed(String target,
			ServerSetup setup)
			throws Exception {
		// A stream is a request: it runs to its end, it is not ended when the drain starts.
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD);
				RawConnection client = server.connect()) {
			RawResponse head = client.get(target).readHead(RESPONSE_WAIT);
			assertThat(head.closesConnection()).isFalse();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			RawResponse response = client.readBody(head);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).contains("4");
			// Promised keep-alive when it was committed: closed once quiet for the quiet period.
			assertThat(client.awaitClose(Duration.ofSeconds(5))).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isEqualTo(1);
		}
	}


	/**
	 * With HTTP/2 enabled, a client that does not ask for it (no ALPN over TLS; neither the
	 * h2c upgrade nor the preface over cleartext) speaks HTTP/1.1, and its connections are
	 * drained as any: the idle one closed with a FIN, the busy one answered with
	 * {@code Connection: close}.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#http2")
	void whenHttp2IsEnabledThenHttp11ConnectionsAreStillDrained(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, "server.http2.enabled=true",
				RunningServer.SHORT_QUIET_PERIOD); RawConnection idle = server.connect();
				RawConnection busy = server.connect()) {
			assertThat(idle.get("/fast").readResponse(RESPONSE_WAIT).status()).isEqualTo(200);
			// Held until clients are told to close: a timed request could end first on a
			// loaded machine, and rightly keep its connection.
			busy.get("/blocked");
			server.awaitRequestsInFlight(1);
			quietWindowPasses();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(idle.awaitClose(Duration.ofSeconds(2))).isEqualTo(Close.FIN);
			server.awaitClosingConnections();
			server.releaseBlocked();
			RawResponse response = busy.readResponse(RESPONSE_WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("released");
			assertThat(response.closesConnection()).isTrue();
			assertThat(busy.awaitClose(Duration.ofSeconds(2))).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.connectionsClosedIdle()).isEqualTo(1);
			assertThat(terminated.connectionsForced()).isZero();
		}
	}

	private static void quietWindowPasses() throws InterruptedException {
		Thread.sleep(150);
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

}
