package io.github.terminator.conformance;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.terminator.core.ConnectionState;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.TrackedConnection;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawHttp2Connection;
import io.github.terminator.test.RawHttp2Connection.Frame;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

/**
 * An HTTP/2 connection is told GOAWAY when the drain starts, its streams in flight finish
 * with their responses, and it is closed after its last one, instead of being held until
 * the graceful timeout and closed by force. The clients are Apache HttpClient 5 (h2c with
 * prior knowledge, h2 over TLS with ALPN) and the JDK's {@code HttpClient} (h2c upgraded
 * from HTTP/1.1, h2).
 */
class Http2ConformanceTests {

	private static final String HTTP2 = "server.http2.enabled=true";

	/** Far less than the graceful timeout of 10 s, which a connection not told would wait out. */
	private static final Duration ENDED_WITHIN = Duration.ofSeconds(5);

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#http2")
	void whenDrainStartsThenApacheHttpClientsStreamInFlightIsAnsweredAndTheConnectionClosesAfterIt(
			ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, HTTP2);
				CloseableHttpAsyncClient client = apacheClient()) {
			String base = base(server);
			SimpleHttpResponse first = client.execute(SimpleRequestBuilder.get(base + "/fast").build(), null)
				.get(10, TimeUnit.SECONDS);
			assertThat(first.getVersion()).isEqualTo(org.apache.hc.core5.http.HttpVersion.HTTP_2);
			Future<SimpleHttpResponse> inFlight = client
				.execute(SimpleRequestBuilder.get(base + "/slow?millis=1500").build(), null);
			await().atMost(Duration.ofSeconds(5)).until(() -> server.hits() == 2);
			// The stream is tracked as a request of its connection.
			server.awaitRequestsInFlight(1);
			assertThat(server.registry().connections()).singleElement().satisfies((connection) -> {
				assertThat(connection.state()).isEqualTo(ConnectionState.ACTIVE);
				assertThat(connection.currentRequest().path()).isEqualTo("/slow");
			});
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(bodyOf(inFlight)).isEqualTo("slow 1500");
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			// The stream counts as a request. The connection ended after it: closed idle, or
			// completed when the server closed it a moment before its handler returned (a
			// response complete at its last byte ends the stream before then).
			assertThat(terminated.requestsCompleted()).isEqualTo(1);
			assertThat(terminated.connectionsClosedIdle() + terminated.connectionsCompleted()).isEqualTo(1);
			assertThat(terminated.connectionsForced()).isZero();
			assertThat(terminated.duration()).isLessThan(ENDED_WITHIN);
		}
	}

	/**
	 * A stream is a request on HTTP/2 too: on one connection, a finite stream of
	 * server-sent events gets every event, and a declared subscription ends cleanly (its
	 * stream ended, not reset) when the drain starts; the connection closes after both.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#http2")
	void whenStreamsRunOnAnHttp2ConnectionThenTheFiniteOneFinishesAndTheSubscriptionEndsCleanly(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, HTTP2);
				CloseableHttpAsyncClient client = apacheClient()) {
			String base = base(server);
			assertThat(client.execute(SimpleRequestBuilder.get(base + "/fast").build(), null)
				.get(10, TimeUnit.SECONDS)
				.getVersion()).isEqualTo(org.apache.hc.core5.http.HttpVersion.HTTP_2);
			Future<SimpleHttpResponse> finite = client
				.execute(SimpleRequestBuilder.get(base + "/sse?events=8&intervalMillis=250").build(), null);
			Future<SimpleHttpResponse> subscription = client
				.execute(SimpleRequestBuilder.get(base + "/annotated/sse?events=100000&intervalMillis=50").build(), null);
			server.awaitRequestsInFlight(2);
			assertThat(server.registry().connections()).singleElement()
				.satisfies((connection) -> assertThat(connection.protocol())
					.isEqualTo(setup.tls() ? TrackedConnection.H2 : TrackedConnection.H2C));
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(bodyOf(subscription)).contains("event 1").doesNotContain("event 100000");
			assertThat(bodyOf(finite)).contains("event 8");
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.streamsFinished()).isEqualTo(1);
			assertThat(terminated.subscriptionsEnded()).isEqualTo(1);
			assertThat(terminated.streamsCut()).isZero();
			assertThat(terminated.connectionsForced()).isZero();
			assertThat(terminated.duration()).isLessThan(ENDED_WITHIN);
		}
	}

	/**
	 * What RFC 9113 §6.8 asks, seen frame by frame: a first GOAWAY with 2^31−1, a second
	 * with the last stream id; the stream in flight answered to its end; a stream opened
	 * after the second GOAWAY neither answered nor processed; the connection closed right
	 * after the last stream, and the termination over right after it.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("http2Plain")
	void whenDrainStartsThenTheFramesSayGoAwayTwiceAndTheLastStreamEndsTheConnection(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, HTTP2);
				RawHttp2Connection client = RawHttp2Connection.open(server.port())) {
			client.get(1, "/slow?millis=1000");
			server.awaitRequestsInFlight(1);
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			List<Integer> goAways = new ArrayList<>();
			StringBuilder body = new StringBuilder();
			long streamEndedAt = 0;
			boolean newStreamSent = false;
			Frame frame;
			while ((frame = client.readFrame(Duration.ofSeconds(10))) != null) {
				if (frame.streamId() == 3) {
					// Refusing it is allowed (RFC 9113 §6.8); answering it is not.
					assertThat(frame.type()).as("a frame of the stream opened after the last GOAWAY")
						.isEqualTo(RawHttp2Connection.RST_STREAM);
				}
				if (frame.type() == RawHttp2Connection.GOAWAY) {
					goAways.add(frame.lastStreamId());
				}
				if (frame.streamId() == 1 && frame.type() == RawHttp2Connection.DATA) {
					body.append(frame.text());
				}
				if (frame.streamId() == 1 && frame.endsStream()) {
					streamEndedAt = System.nanoTime();
				}
				if (!newStreamSent && goAways.contains(1)) {
					newStreamSent = true;
					try {
						client.get(3, "/fast");
					}
					catch (IOException ex) {
						// The server closed the connection already: nothing opened.
					}
				}
			}
			long closedAt = System.nanoTime();
			assertThat(goAways).startsWith(Integer.MAX_VALUE).contains(1);
			assertThat(body).hasToString("slow 1000");
			assertThat(streamEndedAt).as("stream 1 ended").isNotZero();
			assertThat(TimeUnit.NANOSECONDS.toMillis(closedAt - streamEndedAt)).isLessThan(500);
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isEqualTo(1);
			assertThat(server.hits()).as("the stream opened after the last GOAWAY was not processed").isEqualTo(1);
			long lastResponseMillis = TimeUnit.NANOSECONDS.toMillis(streamEndedAt - start);
			assertThat(terminated.duration().toMillis()).isLessThan(lastResponseMillis + 500);
		}
	}

	static Stream<ServerSetup> http2Plain() {
		return ServerSetup.http2().filter((setup) -> !setup.tls());
	}

	/**
	 * The JDK's client before Java 24 fails every stream of a connection on any GOAWAY,
	 * whatever its last stream id (JDK-8335181): Spring Boot's own graceful shutdown
	 * fails its requests in flight the same way. Run by the build on Java 25.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#http2")
	void whenDrainStartsThenTheJdkClientsStreamInFlightIsAnsweredAndTheConnectionClosesAfterIt(ServerSetup setup)
			throws Exception {
		assumeTrue(Runtime.version().feature() >= 24, "the JDK's HttpClient honours GOAWAY from Java 24 on");
		try (RunningServer server = RunningServer.start(setup, HTTP2)) {
			HttpClient client = client();
			HttpResponse<String> first = client.send(request(server, "/fast"), BodyHandlers.ofString());
			assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
			// Jetty may answer the h2c upgrade's first stream before it reports the upgrade.
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(server.registry().connections()).singleElement()
					.satisfies((connection) -> assertThat(connection.protocol())
						.isEqualTo(setup.tls() ? TrackedConnection.H2 : TrackedConnection.H2C)));
			CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(request(server, "/slow?millis=1500"),
					BodyHandlers.ofString());
			await().atMost(Duration.ofSeconds(5)).until(() -> server.hits() == 2);
			// The stream is tracked as a request of its connection.
			server.awaitRequestsInFlight(1);
			assertThat(server.registry().connections()).singleElement().satisfies((connection) -> {
				assertThat(connection.state()).isEqualTo(ConnectionState.ACTIVE);
				assertThat(connection.currentRequest().path()).isEqualTo("/slow");
			});
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("slow 1500");
			assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			// The stream counts as a request. The connection ended after it: closed idle, or
			// completed when the server closed it a moment before its handler returned (a
			// response complete at its last byte ends the stream before then).
			assertThat(terminated.requestsCompleted()).isEqualTo(1);
			assertThat(terminated.connectionsClosedIdle() + terminated.connectionsCompleted()).isEqualTo(1);
			assertThat(terminated.connectionsForced()).isZero();
			assertThat(terminated.duration()).isLessThan(ENDED_WITHIN);
			assertThatExceptionOfType(ConnectException.class)
				.isThrownBy(() -> RawConnection.open(server.port(), false));
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#http2")
	void whenDrainStartsThenAnIdleConnectionIsClosedOnceTheGoAwayExchangeIsOver(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, HTTP2)) {
			HttpClient client = client();
			assertThat(client.send(request(server, "/fast"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(server.registry().connections()).singleElement()
					.satisfies((connection) -> assertThat(connection.state()).isEqualTo(ConnectionState.IDLE)));
			TerminationResult terminated = server.terminateAsync().get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.connectionsForced()).isZero();
			assertThat(terminated.duration()).isLessThan(ENDED_WITHIN);
			assertThat(server.registry().connections()).isEmpty();
		}
	}

	/** Apache HttpClient 5's HTTP/2 client, started: h2c with prior knowledge, h2 over TLS. */
	private static CloseableHttpAsyncClient apacheClient() {
		CloseableHttpAsyncClient client = HttpAsyncClients.customHttp2()
			.setTlsStrategy(ClientTlsStrategyBuilder.create().setSslContext(RawConnection.trustAll()).build())
			.build();
		client.start();
		return client;
	}

	/** The body of a response with status 200, its stream ended, not reset. */
	private static String bodyOf(Future<SimpleHttpResponse> response) throws Exception {
		SimpleHttpResponse answered = response.get(10, TimeUnit.SECONDS);
		assertThat(answered.getCode()).isEqualTo(200);
		return answered.getBodyText();
	}

	private static String base(RunningServer server) {
		return (server.tls() ? "https" : "http") + "://localhost:" + server.port();
	}

	private static HttpClient client() {
		return HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_2)
			.sslContext(RawConnection.trustAll())
			.connectTimeout(Duration.ofSeconds(5))
			.build();
	}

	private static HttpRequest request(RunningServer server, String target) {
		return HttpRequest.newBuilder(URI.create(base(server) + target))
			.timeout(Duration.ofSeconds(10))
			.build();
	}

}
