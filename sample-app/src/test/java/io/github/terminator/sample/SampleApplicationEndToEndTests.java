package io.github.terminator.sample;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.terminator.sample.RawClient.Close;
import io.github.terminator.sample.RawClient.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.awaitility.Awaitility.await;

/**
 * Runs the sample application in its own JVM, as it runs in production, stops it with
 * SIGTERM while requests are in flight, and checks over plain sockets what its clients
 * see.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "Process.destroy() does not send SIGTERM there")
class SampleApplicationEndToEndTests {

	private static final Path OUTPUT = Path.of("target", "end-to-end", "sample-application.log");

	private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final long SLOW_MILLIS = 1500;

	private static final int IN_FLIGHT = 3;

	/** The sample's {@code terminator.quiet-period}. */
	private static final long QUIET_PERIOD_MILLIS = 2500;

	/** How the JVM exits once its shutdown hooks have run on a SIGTERM: 128 + 15. */
	private static final int SIGTERM_EXIT_VALUE = 143;

	@Test
	void whenSigtermArrivesThenEveryClientIsServedOrClosedCleanlyAndTheProcessExits() throws Exception {
		int port = freePort();
		Process process = start(port);
		List<RawClient> clients = new ArrayList<>();
		ExecutorService readers = Executors.newFixedThreadPool(IN_FLIGHT);
		try {
			RawClient idle = awaitFirstAnswer(process, port);
			long idleSince = System.nanoTime();
			clients.add(idle);
			RawClient preconnected = RawClient.connect(port);
			clients.add(preconnected);
			List<Future<Answer>> answers = new ArrayList<>();
			for (int i = 0; i < IN_FLIGHT; i++) {
				RawClient client = RawClient.connect(port);
				clients.add(client);
				client.get("/slow?millis=" + SLOW_MILLIS);
				answers.add(readers.submit(() -> Answer.read(client)));
			}
			await().atMost(WAIT).until(() -> occurrences(output(), "Slow request started") == IN_FLIGHT);

			assertThat(process.supportsNormalTermination()).isTrue();
			long signalAt = System.nanoTime();
			process.destroy();

			assertThat(preconnected.awaitClose(WAIT)).isEqualTo(Close.FIN);
			long preconnectedClosedAt = System.nanoTime();
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawClient.connect(port));
			long refusedAt = System.nanoTime();
			assertThat(idle.awaitClose(WAIT)).isEqualTo(Close.FIN);
			long idleClosedAt = System.nanoTime();

			long firstResponseAt = Long.MAX_VALUE;
			long lastResponseAt = Long.MIN_VALUE;
			for (Future<Answer> future : answers) {
				Answer answer = future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
				assertThat(answer.response().status()).isEqualTo(200);
				assertThat(answer.response().body()).isEqualTo("slow " + SLOW_MILLIS);
				assertThat(answer.response().closesConnection()).as("Connection: close").isTrue();
				assertThat(answer.close()).isEqualTo(Close.FIN);
				assertThat(millisBetween(answer.respondedAt(), answer.closedAt())).isLessThan(1500);
				firstResponseAt = Math.min(firstResponseAt, answer.respondedAt());
				lastResponseAt = Math.max(lastResponseAt, answer.respondedAt());
			}
			// Kept alive: closed once quiet for the quiet period, so that a pooled client
			// checks it before reusing it. The server's quiet began as it sent the response,
			// a moment before this client had read it.
			assertThat(millisBetween(idleSince, idleClosedAt)).isBetween(QUIET_PERIOD_MILLIS - 100,
					Math.max(QUIET_PERIOD_MILLIS, millisBetween(idleSince, signalAt)) + 1000);
			assertThat(millisBetween(signalAt, preconnectedClosedAt)).isLessThan(3000);
			assertThat(millisBetween(preconnectedClosedAt, firstResponseAt)).as("idle closed before responses")
				.isPositive();
			assertThat(millisBetween(refusedAt, firstResponseAt)).as("refused while draining").isPositive();

			assertThat(process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("exited").isTrue();
			long exitedAt = System.nanoTime();
			assertThat(millisBetween(lastResponseAt, exitedAt)).isLessThan(5000);
			assertThat(process.exitValue()).isEqualTo(SIGTERM_EXIT_VALUE);
			assertThat(output()).contains("Termination TERMINATED")
				.contains("2 idle connections closed, " + IN_FLIGHT + " requests completed, 0 connections forced");
			System.out.printf("idle FIN %d ms after SIGTERM, responses %d to %d ms, exit %d ms after the last%n",
					millisBetween(signalAt, idleClosedAt), millisBetween(signalAt, firstResponseAt),
					millisBetween(signalAt, lastResponseAt), millisBetween(lastResponseAt, exitedAt));
		}
		finally {
			readers.shutdownNow();
			for (RawClient client : clients) {
				client.close();
			}
			process.destroyForcibly();
			process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/**
	 * A request that outlives the graceful timeout is cut then, and nothing waits for it
	 * afterwards: the process has exited within the max-wait plus 2 s of the SIGTERM, with
	 * Spring Boot's defaults ({@code server.shutdown=graceful}, 30 s a shutdown phase).
	 */
	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "/slow?millis=60000" })
	void whenARequestOutlivesTheGracefulTimeoutThenTheProcessExitsWithinTheMaxWaitPlusTwoSeconds(String target)
			throws Exception {
		int port = freePort();
		long maxWaitMillis = 3000;
		Process process = start(port, "--terminator.graceful-timeout=1s", "--terminator.max-wait=" + maxWaitMillis + "ms");
		try (RawClient client = awaitFirstAnswer(process, port)) {
			client.get(target);
			await().atMost(WAIT).until(() -> occurrences(output(), "Slow request started") == 1);
			long signalAt = System.nanoTime();
			process.destroy();
			assertThat(process.waitFor(maxWaitMillis + 2000, TimeUnit.MILLISECONDS)).as("exited").isTrue();
			System.out.printf("%s: exit %d ms after SIGTERM%n", target, millisBetween(signalAt, System.nanoTime()));
			assertThat(process.exitValue()).isEqualTo(SIGTERM_EXIT_VALUE);
			assertThat(output()).contains("Termination FORCED").contains("1 connection forced");
		}
		finally {
			process.destroyForcibly();
			process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/**
	 * A stream is a request: an answer streamed token by token finishes, every token and
	 * its {@code [DONE]}, while the endless event stream declared a subscription is ended
	 * at once with a clean end of stream; the termination is graceful, and the process
	 * exits once the answer is complete, without waiting for the graceful timeout.
	 */
	@Test
	void whenAnAnswerStreamAndASubscriptionAreOpenThenTheAnswerFinishesAndTheSubscriptionEndsAtOnce()
			throws Exception {
		int port = freePort();
		Process process = start(port);
		try (RawClient events = awaitFirstAnswer(process, port); RawClient answer = RawClient.connect(port)) {
			events.get("/events?intervalMillis=100");
			assertThat(events.readHead(WAIT).status()).isEqualTo(200);
			answer.get("/answer?tokens=8&intervalMillis=200");
			assertThat(answer.readHead(WAIT).status()).isEqualTo(200);
			long signalAt = System.nanoTime();
			process.destroy();
			assertThat(events.readChunkedBody()).startsWith("data:tick 1");
			long eventsEndedAfter = millisBetween(signalAt, System.nanoTime());
			assertThat(eventsEndedAfter).isLessThan(3000);
			assertThat(answer.readChunkedBody()).contains("data:token 8").endsWith("data:[DONE]\n\n");
			long answeredAfter = millisBetween(signalAt, System.nanoTime());
			assertThat(process.waitFor(8000, TimeUnit.MILLISECONDS)).as("exited").isTrue();
			System.out.printf("/events ended %d ms, /answer complete %d ms, exit %d ms after SIGTERM%n",
					eventsEndedAfter, answeredAfter, millisBetween(signalAt, System.nanoTime()));
			assertThat(output()).contains("Termination TERMINATED")
				.contains("1 stream finished, 1 subscription ended, 0 connections forced");
		}
		finally {
			process.destroyForcibly();
			process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/**
	 * A WebSocket is told 1001 Going Away when the drain starts, the JDK's client answers,
	 * and the process exits without waiting for the graceful timeout.
	 */
	@Test
	void whenAWebSocketIsOpenThenItIsToldGoingAwayAndTheProcessExitsWithoutWaitingForTheGracefulTimeout()
			throws Exception {
		int port = freePort();
		Process process = start(port);
		try (RawClient ready = awaitFirstAnswer(process, port)) {
			CompletableFuture<Integer> closeCode = new CompletableFuture<>();
			BlockingQueue<String> messages = new LinkedBlockingQueue<>();
			WebSocket webSocket = HttpClient.newHttpClient()
				.newWebSocketBuilder()
				.buildAsync(URI.create("ws://localhost:" + port + "/ws"), new WebSocket.Listener() {

					@Override
					public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
						messages.add(data.toString());
						socket.request(1);
						return null;
					}

					@Override
					public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
						closeCode.complete(statusCode);
						return null;
					}

				})
				.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
			webSocket.sendText("hello", true);
			assertThat(messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("echo hello");
			long signalAt = System.nanoTime();
			process.destroy();
			assertThat(closeCode.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1001);
			assertThat(millisBetween(signalAt, System.nanoTime())).isLessThan(3000);
			assertThat(process.waitFor(8000, TimeUnit.MILLISECONDS)).as("exited").isTrue();
			System.out.printf("/ws: exit %d ms after SIGTERM%n", millisBetween(signalAt, System.nanoTime()));
			assertThat(output()).contains("Termination TERMINATED").contains("1 WebSocket closed");
		}
		finally {
			process.destroyForcibly();
			process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/**
	 * An idle HTTP/2 connection, a WebSocket and an event stream, nothing else: each is
	 * told in its own protocol when the drain starts, each client goes, and the process
	 * exits within seconds of the SIGTERM, far below the graceful timeout (10 s).
	 */
	@Test
	void whenHttp2AWebSocketAndAnEventStreamAreOpenThenTheProcessExitsWithoutWaitingForTheGracefulTimeout() throws Exception {
		assumeFalse(ClassUtils.isPresent("io.undertow.Undertow", null), "terminator does not drain HTTP/2 on Undertow");
		int port = freePort();
		Process process = start(port, "--spring.profiles.active=h2");
		awaitFirstAnswer(process, port).close();
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
		HttpResponse<String> http2 = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fast"))
			.build(), BodyHandlers.ofString());
		assertThat(http2.version()).isEqualTo(HttpClient.Version.HTTP_2);
		CompletableFuture<Integer> closeCode = new CompletableFuture<>();
		http.newWebSocketBuilder().buildAsync(URI.create("ws://localhost:" + port + "/ws"), new WebSocket.Listener() {

			@Override
			public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
				closeCode.complete(statusCode);
				return null;
			}

		}).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		try (RawClient events = RawClient.connect(port)) {
			events.get("/events?intervalMillis=100");
			assertThat(events.readHead(WAIT).status()).isEqualTo(200);
			long signalAt = System.nanoTime();
			process.destroy();
			assertThat(closeCode.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1001);
			assertThat(events.readChunkedBody()).startsWith("data:tick 1");
			// As curl does at the end of the stream.
			events.close();
			assertThat(process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("exited").isTrue();
			long exitMillis = millisBetween(signalAt, System.nanoTime());
			System.out.printf("h2, /ws and /events: exit %d ms after SIGTERM%n", exitMillis);
			assertThat(exitMillis).isLessThan(3000);
			assertThat(output()).contains("Termination TERMINATED").contains("1 WebSocket closed");
		}
		finally {
			process.destroyForcibly();
			process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	private static Process start(int port, String... arguments) throws IOException {
		Files.createDirectories(OUTPUT.getParent());
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
				SampleApplication.class.getName(), "--server.port=" + port));
		command.addAll(List.of(arguments));
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(OUTPUT.toFile()).start();
	}

	/**
	 * Waits for the application to answer a request, and returns the connection that
	 * answered, kept alive.
	 */
	private static RawClient awaitFirstAnswer(Process process, int port) {
		return await("sample application answering on port " + port).atMost(START_TIMEOUT)
			.pollInterval(Duration.ofMillis(100))
			.failFast("sample application exited, see " + OUTPUT, () -> !process.isAlive())
			.ignoreException(ConnectException.class)
			.until(() -> keptAliveAfterFast(port), Objects::nonNull);
	}

	private static RawClient keptAliveAfterFast(int port) throws IOException {
		RawClient client = RawClient.connect(port);
		try {
			Response response = client.get("/fast").readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.closesConnection()).isFalse();
			return client;
		}
		catch (IOException | RuntimeException | Error ex) {
			client.close();
			throw ex;
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private static String output() throws IOException {
		return new String(Files.readAllBytes(OUTPUT), StandardCharsets.UTF_8);
	}

	private static int occurrences(String text, String part) {
		int count = 0;
		for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
			count++;
		}
		return count;
	}

	private static long millisBetween(long fromNanos, long toNanos) {
		return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
	}

	/**
	 * A response to an in-flight request, when it came, and how its connection ended.
	 */
	private record Answer(Response response, long respondedAt, Close close, long closedAt) {

		static Answer read(RawClient client) throws IOException {
			Response response = client.readResponse(WAIT);
			long respondedAt = System.nanoTime();
			Close close = client.awaitClose(WAIT);
			return new Answer(response, respondedAt, close, System.nanoTime());
		}

	}

}
