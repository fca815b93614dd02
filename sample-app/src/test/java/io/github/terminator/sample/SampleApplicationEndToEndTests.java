package io.github.terminator.sample;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.terminator.sample.RawClient.Close;
import io.github.terminator.sample.RawClient.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
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

			assertThat(idle.awaitClose(WAIT)).isEqualTo(Close.FIN);
			long idleClosedAt = System.nanoTime();
			assertThat(preconnected.awaitClose(WAIT)).isEqualTo(Close.FIN);
			long preconnectedClosedAt = System.nanoTime();
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawClient.connect(port));
			long refusedAt = System.nanoTime();

			long firstResponseAt = Long.MAX_VALUE;
			long lastResponseAt = Long.MIN_VALUE;
			for (Future<Answer> future : answers) {
				Answer answer = future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
				assertThat(answer.response().status()).isEqualTo(200);
				assertThat(answer.response().body()).isEqualTo("slow " + SLOW_MILLIS);
				assertThat(answer.response().closesConnection()).as("Connection: close").isTrue();
				assertThat(answer.close()).isEqualTo(Close.FIN);
				assertThat(millisBetween(answer.respondedAt(), answer.closedAt())).isLessThan(500);
				firstResponseAt = Math.min(firstResponseAt, answer.respondedAt());
				lastResponseAt = Math.max(lastResponseAt, answer.respondedAt());
			}
			assertThat(millisBetween(signalAt, idleClosedAt)).isLessThan(1000);
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

	private static Process start(int port) throws IOException {
		Files.createDirectories(OUTPUT.getParent());
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
				SampleApplication.class.getName(), "--server.port=" + port)
			.redirectErrorStream(true)
			.redirectOutput(OUTPUT.toFile())
			.start();
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
