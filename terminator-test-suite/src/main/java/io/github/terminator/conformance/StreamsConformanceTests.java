package io.github.terminator.conformance;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A stream is a request. A finite one (every stream the application did not declare a
 * subscription) finishes like any request, and is cut at the graceful timeout so that its
 * client sees a cut, never a clean end; a subscription is ended cleanly when the drain
 * starts, so that its client reconnects elsewhere at once. Every kind of stream Spring MVC
 * serves: an {@code SseEmitter}, a {@code Flux} of server-sent events, WebMvc.fn's
 * {@code ServerResponse.sse}, a {@code StreamingResponseBody}, a {@code DeferredResult}
 * long poll.
 */
class StreamsConformanceTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * Far less than the graceful timeout of 10 s, which a subscription not ended would
	 * wait out; a loaded machine keeps it.
	 */
	private static final long ENDED_WITHIN_MILLIS = 3000;

	/** The endless streams, as their paths. */
	private static final String DECLARED = "terminator.subscriptions=/sse,/flux,/fn/sse,/poll";

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenFiniteStreamsOfEveryKindRunAcrossTheTerminationThenEachGetsEveryEventThenItsEnd(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD)) {
			List<Stream> streams = new ArrayList<>();
			// The first three committed before the termination, the last one after its drain
			// started. Each lasts 3 s: on a loaded machine the fourth may take a second to start.
			streams.add(Stream.open(server, "/sse?events=10&intervalMillis=300", "event 10"));
			streams.add(Stream.open(server, "/flux?events=10&intervalMillis=300", "event 10"));
			streams.add(Stream.open(server, "/stream?chunks=10&intervalMillis=300", "chunk 10"));
			streams.add(Stream.openUncommitted(server, "/fn/sse?events=10&intervalMillis=300&delayMillis=300",
					"event 10"));
			server.awaitRequestsInFlight(4);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			SoftAssertions softly = new SoftAssertions();
			for (Stream stream : streams) {
				RawResponse response = stream.readToItsEnd();
				softly.assertThat(response.status()).as(stream.target).isEqualTo(200);
				softly.assertThat(response.body()).as(stream.target).contains(stream.last);
			}
			softly.assertAll();
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.streamsFinished()).isEqualTo(4);
			assertThat(terminated.subscriptionsEnded()).isZero();
			assertThat(terminated.streamsCut()).isZero();
			streams.forEach(Stream::close);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenSubscriptionsOfEveryKindAreOpenThenTheDrainEndsEachCleanlyAtOnce(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD, DECLARED)) {
			List<Stream> streams = new ArrayList<>();
			streams.add(Stream.open(server, "/sse?events=100000&intervalMillis=50", "event 1"));
			streams.add(Stream.open(server, "/flux?events=100000&intervalMillis=50", "event 1"));
			streams.add(Stream.open(server, "/fn/sse?events=100000&intervalMillis=50", "event 1"));
			// Written to all the time: ended between two of the application's writes.
			streams.add(Stream.open(server, "/fn/sse?events=100000&intervalMillis=1", "event 1"));
			streams.add(Stream.open(server, "/annotated/sse?events=100000&intervalMillis=50", "event 1"));
			if (!setup.server().reactive()) {
				// A long poll, answered as its timeout would answer it: Spring MVC's own.
				streams.add(Stream.openUncommitted(server, "/poll", "no news"));
			}
			server.awaitRequestsInFlight(streams.size());
			Instant called = Instant.now();
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			List<RawResponse> responses = new ArrayList<>();
			List<Long> elapsed = new ArrayList<>();
			for (Stream stream : streams) {
				responses.add(stream.readToItsEnd());
				elapsed.add(elapsedMillis(start));
			}
			// Its client reconnects at once, elsewhere: this instance refuses it.
			assertThatExceptionOfType(ConnectException.class).isThrownBy(server::connect);
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			SoftAssertions softly = new SoftAssertions();
			for (int i = 0; i < streams.size(); i++) {
				String target = streams.get(i).target;
				softly.assertThat(elapsed.get(i))
					.as("%s, the termination started %d ms after it was called", target,
							Duration.between(called, terminated.startedAt()).toMillis())
					.isLessThan(ENDED_WITHIN_MILLIS);
				softly.assertThat(responses.get(i).status()).as(target).isEqualTo(200);
				softly.assertThat(responses.get(i).body())
					.as(target)
					.contains(streams.get(i).last)
					.doesNotContain("event 100000");
			}
			softly.assertAll();
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.subscriptionsEnded()).isEqualTo(streams.size());
			assertThat(terminated.streamsFinished()).isZero();
			assertThat(terminated.streamsCut()).isZero();
			assertThat(terminated.connectionsForced()).isZero();
			streams.forEach(Stream::close);
		}
	}

	/**
	 * Behind a proxy whose forwarded headers the application reads itself
	 * ({@code server.forward-headers-strategy=framework}), Spring replaces each request
	 * that carries them with one of its own: a subscription is still known, by its
	 * annotation and by its path within the application, which the proxy's prefix is not
	 * part of.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenAProxyForwardsItsHeadersThenTheDrainStillEndsEachSubscriptionAtOnce(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD,
				"terminator.subscriptions=/sse", "server.forward-headers-strategy=framework")) {
			List<Stream> streams = new ArrayList<>();
			for (String target : List.of("/sse?events=100000&intervalMillis=50",
					"/annotated/sse?events=100000&intervalMillis=50")) {
				streams.add(Stream.open(server, target, "event 1", "X-Forwarded-Proto: https\r\n"
						+ "X-Forwarded-Host: edge.example.org\r\nX-Forwarded-Prefix: /edge\r\n"));
			}
			server.awaitRequestsInFlight(streams.size());
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			SoftAssertions softly = new SoftAssertions();
			for (Stream stream : streams) {
				RawResponse response = stream.readToItsEnd();
				softly.assertThat(elapsedMillis(start)).as(stream.target).isLessThan(ENDED_WITHIN_MILLIS);
				softly.assertThat(response.status()).as(stream.target).isEqualTo(200);
				softly.assertThat(response.body()).as(stream.target).contains("event 1").doesNotContain("event 100000");
			}
			softly.assertAll();
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.subscriptionsEnded()).as("%s", terminated).isEqualTo(streams.size());
			assertThat(terminated.streamsCut()).isZero();
			streams.forEach(Stream::close);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenEndlessStreamsAreNotDeclaredThenTheGracefulTimeoutCutsThemAndEveryClientSeesACut(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD,
				"terminator.graceful-timeout=1s")) {
			List<Stream> streams = new ArrayList<>();
			streams.add(Stream.open(server, "/sse?events=100000&intervalMillis=50", "event 1"));
			streams.add(Stream.open(server, "/flux?events=100000&intervalMillis=50", "event 1"));
			streams.add(Stream.open(server, "/fn/sse?events=100000&intervalMillis=50", "event 1"));
			streams.add(Stream.open(server, "/stream?chunks=100000&intervalMillis=50", "chunk 1"));
			// Committed after the drain started, with Connection: close.
			streams.add(Stream.openUncommitted(server, "/fn/sse?events=100000&intervalMillis=50&delayMillis=300",
					"event 1"));
			server.awaitRequestsInFlight(5);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			SoftAssertions softly = new SoftAssertions();
			for (Stream stream : streams) {
				softly.assertThatThrownBy(stream::readToItsEnd)
					.as("%s must end in a cut, not a clean end", stream.target)
					.isInstanceOf(IOException.class);
			}
			softly.assertAll();
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.FORCED);
			assertThat(terminated.connectionsForced()).isEqualTo(5);
			assertThat(terminated.streamsCut()).isEqualTo(5);
			assertThat(terminated.streamsFinished()).isZero();
			streams.forEach(Stream::close);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#plain")
	void whenTheApplicationEndsItsOwnStreamOnTheDrainStartedEventThenItsClientSeesWhatItSent(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD);
				RawConnection own = server.connect()) {
			RawResponse ownHead = own.get("/own-sse").readHead(WAIT);
			server.awaitRequestsInFlight(1);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(own.readBody(ownHead).body()).contains("data:hello").endsWith("data:bye\n\n");
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.streamsFinished()).isEqualTo(1);
		}
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

	/**
	 * One stream, on a connection of its own.
	 */
	private static final class Stream {

		private final String target;

		private final String last;

		private final RawConnection connection;

		private RawResponse head;

		private Stream(String target, String last, RawConnection connection) {
			this.target = target;
			this.last = last;
			this.connection = connection;
		}

		/**
		 * Requests a stream whose response is committed at once.
		 */
		static Stream open(RunningServer server, String target, String last) throws IOException {
			return open(server, target, last, "");
		}

		/**
		 * Requests a stream whose response is committed at once, with more header lines,
		 * each ended with CRLF.
		 */
		static Stream open(RunningServer server, String target, String last, String headers) throws IOException {
			Stream stream = new Stream(target, last, server.connect());
			stream.connection.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n");
			stream.head = stream.connection.readHead(WAIT);
			return stream;
		}

		/**
		 * Requests a stream whose response is committed later.
		 */
		static Stream openUncommitted(RunningServer server, String target, String last) throws IOException {
			Stream stream = new Stream(target, last, server.connect());
			stream.connection.get(target);
			return stream;
		}

		/**
		 * Reads the response to its end, as the client takes it: a complete response, or
		 * an {@link IOException} for a cut.
		 */
		RawResponse readToItsEnd() throws IOException {
			RawResponse head = (this.head != null) ? this.head : this.connection.readHead(WAIT);
			try {
				return this.connection.readBody(head);
			}
			catch (IOException ex) {
				throw new IOException(this.target + ": " + ex.getMessage() + ", after " + head, ex);
			}
		}

		void close() {
			this.connection.close();
		}

	}

}
