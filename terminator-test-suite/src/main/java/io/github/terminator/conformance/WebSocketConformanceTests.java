package io.github.terminator.conformance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.TrackedConnection;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.WebSocketFrame;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A WebSocket is told that the server is going away, with a close frame carrying 1001
 * (RFC 6455 §7.4.1), as soon as the drain starts, and counts as completed when its client
 * answers the close; one whose client never answers is closed by force at the graceful
 * timeout. The endpoint is Spring's WebSocket support on the server's Jakarta WebSocket
 * container.
 */
class WebSocketConformanceTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String WEBSOCKET = "test.websocket=true";

	/** Far less than the graceful timeout of 10 s, which a WebSocket not told would wait out. */
	private static final long TOLD_WITHIN_MILLIS = 3000;

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenDrainStartsThenTheJdkClientGetsGoingAwayAndTheTerminationEndsWhenItAnswers(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, WEBSOCKET)) {
			Listener listener = new Listener();
			WebSocket webSocket = HttpClient.newHttpClient()
				.newWebSocketBuilder()
				.buildAsync(URI.create("ws://localhost:" + server.port() + "/ws"), listener)
				.get(10, TimeUnit.SECONDS);
			webSocket.sendText("before", true);
			assertThat(listener.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("echo before");
			// Tomcat reports the switch once its upgrade request's processing has returned,
			// which may come a moment after the first message was answered.
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(server.registry().connections()).singleElement()
					.satisfies((connection) -> assertThat(connection.protocol()).isEqualTo(TrackedConnection.WEBSOCKET)));
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			// The JDK client answers the close frame with its own once onClose returns.
			assertThat(listener.closeCode.get(TOLD_WITHIN_MILLIS, TimeUnit.MILLISECONDS)).isEqualTo(1001);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(elapsedMillis(start)).isLessThan(TOLD_WITHIN_MILLIS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.webSocketsClosed()).isEqualTo(1);
			assertThat(terminated.connectionsCompleted()).isEqualTo(1);
			assertThat(terminated.connectionsForced()).isZero();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenDrainStartsThenTheCloseFrameSays1001AndTheServerClosesAfterTheClientAnswers(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, WEBSOCKET);
				RawConnection client = server.connect()) {
			assertThat(client.upgradeToWebSocket("/ws").status()).isEqualTo(101);
			client.sendFrame(WebSocketFrame.TEXT, "before".getBytes(StandardCharsets.UTF_8));
			assertThat(client.readFrame(WAIT).text()).isEqualTo("echo before");
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			WebSocketFrame close = client.readFrame(WAIT);
			assertThat(elapsedMillis(start)).isLessThan(TOLD_WITHIN_MILLIS);
			assertThat(close.opcode()).isEqualTo(WebSocketFrame.CLOSE);
			assertThat(close.closeCode()).isEqualTo(1001);
			assertThat(answerCloseAndAwaitEnd(client)).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.webSocketsClosed()).isEqualTo(1);
			assertThat(terminated.duration()).isLessThan(Duration.ofMillis(TOLD_WITHIN_MILLIS));
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenTheClientAnswersTheCloseButKeepsItsSocketThenTheServerClosesTheConnectionAtOnce(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, WEBSOCKET, "terminator.graceful-timeout=5s");
				RawConnection client = server.connect()) {
			assertThat(client.upgradeToWebSocket("/ws").status()).isEqualTo(101);
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(client.readFrame(WAIT).closeCode()).isEqualTo(1001);
			Thread.sleep(Long.getLong("answerDelay", 0));
			try {
				client.sendFrame(WebSocketFrame.CLOSE, new byte[] { 0x03, (byte) 0xE9 });
			}
			catch (IOException ex) {
				// Jetty closes right after its 1001, without waiting for the answer.
			}
			// The client keeps its socket: the handshake is over, and the server closes.
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(elapsedMillis(start)).isLessThan(TOLD_WITHIN_MILLIS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.webSocketsClosed()).isEqualTo(1);
			assertThat(client.awaitClose(WAIT)).isNotEqualTo(Close.OPEN);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenTheClientNeverAnswersTheCloseThenItIsForcedAtTheGracefulTimeout(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, WEBSOCKET, "terminator.graceful-timeout=1s");
				RawConnection client = server.connect()) {
			assertThat(client.upgradeToWebSocket("/ws").status()).isEqualTo(101);
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			assertThat(client.readFrame(WAIT).closeCode()).isEqualTo(1001);
			if (!setup.server().waitsForTheClientAfterGoingAway()) {
				// Nothing to wait for, nothing to force.
				assertThat(client.awaitClose(WAIT)).isEqualTo(Close.FIN);
				assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
				return;
			}
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(elapsedMillis(start)).isGreaterThanOrEqualTo(1000);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.FORCED);
			assertThat(terminated.connectionsForced()).isEqualTo(1);
			assertThat(terminated.webSocketsClosed()).isZero();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenDrainDelayRunsThenTheWebSocketKeepsWorkingAndIsToldWhenTheDrainStarts(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup, WEBSOCKET, "terminator.drain-delay=1s");
				RawConnection client = server.connect()) {
			assertThat(client.upgradeToWebSocket("/ws").status()).isEqualTo(101);
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			server.awaitClosingConnections();
			assertThat(server.terminator().phase()).isEqualTo(TerminationPhase.DELAYING);
			client.sendFrame(WebSocketFrame.TEXT, "during the delay".getBytes(StandardCharsets.UTF_8));
			assertThat(client.readFrame(WAIT).text()).isEqualTo("echo during the delay");
			WebSocketFrame close = client.readFrame(WAIT);
			assertThat(elapsedMillis(start)).isGreaterThanOrEqualTo(1000);
			assertThat(close.closeCode()).isEqualTo(1001);
			assertThat(answerCloseAndAwaitEnd(client)).isEqualTo(Close.FIN);
			assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
		}
	}

	/**
	 * Ends the connection the way the server asks: answers its close frame, as RFC 6455
	 * §5.5.1 asks, where the server waits for the answer (Tomcat, Undertow); closes the
	 * connection where the server has closed its side after the close frame (Undertow shuts
	 * its output down first, Jetty closes at once after a 1001).
	 * @return how the server ended its side
	 */
	private static Close answerCloseAndAwaitEnd(RawConnection client) throws Exception {
		Close closed = client.awaitClose(Duration.ofMillis(200));
		if (closed == Close.OPEN) {
			client.sendFrame(WebSocketFrame.CLOSE, new byte[] { 0x03, (byte) 0xE9 });
			closed = client.awaitClose(WAIT);
		}
		client.close();
		return closed;
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

	/**
	 * Collects what the JDK's WebSocket client receives; its defaults answer a close.
	 */
	private static final class Listener implements WebSocket.Listener {

		final BlockingQueue<String> messages = new LinkedBlockingQueue<>();

		final CompletableFuture<Integer> closeCode = new CompletableFuture<>();

		private final StringBuilder text = new StringBuilder();

		@Override
		public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
			this.text.append(data);
			if (last) {
				this.messages.add(this.text.toString());
				this.text.setLength(0);
			}
			webSocket.request(1);
			return null;
		}

		@Override
		public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
			this.closeCode.complete(statusCode);
			return null;
		}

		@Override
		public void onError(WebSocket webSocket, Throwable error) {
			this.closeCode.completeExceptionally(error);
		}

	}

}
