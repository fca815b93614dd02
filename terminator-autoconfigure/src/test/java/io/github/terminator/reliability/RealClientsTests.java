package io.github.terminator.reliability;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import io.github.terminator.test.TestApplication;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real HTTP clients, with their default settings, loop GETs through a termination: no
 * exception reaches the caller before the listener closes, none after it but on a request
 * the server never read, and no request read by the server is left without a response.
 */
class RealClientsTests {

	private static final int THREADS = 4;

	static Stream<Arguments> clients() {
		return ServerSetup.plain()
			.flatMap((setup) -> Stream.of(Client.values()).map((client) -> Arguments.of(client, setup)));
	}

	/**
	 * Half the threads send their next request as soon as they have a response: they
	 * reuse each connection within its quiet window, and the drain answers them with
	 * {@code Connection: close} rather than closing under them. The other half pause
	 * between requests, leaving connections idle in the pool for the drain to close. A
	 * request can still cross a close: one sent on an idle connection at the instant the
	 * drain closes it, or on a new connection the kernel accepted just before the listener
	 * closed (its close resets those). The client then throws; what must hold is that this
	 * only ever happens once the listener is closed, to a request the server never read.
	 */
	@ParameterizedTest(name = "{0} on {1}")
	@MethodSource("clients")
	void whenTerminationStartsThenNoClientSeesAnErrorButOnRequestsTheServerNeverRead(Client kind, ServerSetup setup)
			throws Exception {
		Tally total = loopThroughTerminations(kind, setup);
		Report.print(kind + " on " + setup + ", " + Stress.rounds(3) + " terminations", total + "; errors: "
				+ total.errors);
	}

	private static Tally loopThroughTerminations(Client kind, ServerSetup setup) throws Exception {
		Tally total = new Tally();
		int rounds = Stress.rounds(3);
		for (int round = 0; round < rounds; round++) {
			try (RunningServer server = RunningServer.start(setup); Get client = kind.create()) {
				Tally tally = new Tally();
				TerminationResult result = terminateWhileLooping(server, client, tally);
				assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
				tally.assertNothingLost(server.received());
				assertThat(tally.refused).hasValue(THREADS);
				total.served.addAll(tally.served);
				total.closedBeforeResponse.addAll(tally.closedBeforeResponse);
				total.refused.addAndGet(tally.refused.get());
				tally.errors.forEach((error, count) -> total.errors.merge(error, count, Integer::sum));
			}
		}
		return total;
	}

	/**
	 * Loops GETs on every thread until each finds the server gone, the termination
	 * starting once they are under way. Connection refused ends a thread's loop; any other
	 * exception after the listener closed is counted as closed before the response, for
	 * the caller to check that the server never read that request, and the loop goes on.
	 */
	private static TerminationResult terminateWhileLooping(RunningServer server, Get client, Tally tally)
			throws Exception {
		URI uri = URI.create("http://localhost:" + server.port() + "/echo");
		Terminator terminator = server.terminator();
		ExecutorService threads = Executors.newFixedThreadPool(THREADS);
		try {
			List<Future<?>> loops = new ArrayList<>();
			for (int i = 0; i < THREADS; i++) {
				long maxPauseMillis = (i % 2 == 0) ? 0 : 200;
				loops.add(threads.submit(() -> {
					while (true) {
						if (maxPauseMillis > 0) {
							Thread.sleep(ThreadLocalRandom.current().nextLong(maxPauseMillis));
						}
						String id = Tally.nextId();
						try {
							String body = client.get(uri, id);
							if (id.equals(body)) {
								tally.served.add(id);
							}
							else {
								tally.failures.add(id + ": body " + body);
							}
						}
						catch (Exception ex) {
							TerminationPhase phase = terminator.phase();
							boolean listenerClosed = phase != TerminationPhase.SERVING
									&& phase != TerminationPhase.DELAYING;
							if (!listenerClosed) {
								tally.failures.add(id + " while " + phase + ": " + ex);
							}
							if (causedByConnectException(ex)) {
								tally.refused.incrementAndGet();
								return null;
							}
							tally.closedBeforeResponse.add(id);
							tally.errors.merge(rootCause(ex), 1, Integer::sum);
						}
					}
				}));
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> tally.served.size() >= 100);
			TerminationResult result = server.terminateAsync().get(10, TimeUnit.SECONDS);
			for (Future<?> loop : loops) {
				loop.get(20, TimeUnit.SECONDS);
			}
			return result;
		}
		finally {
			threads.shutdownNow();
		}
	}

	private static String rootCause(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ": " + root.getMessage();
	}

	private static boolean causedByConnectException(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConnectException) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A GET of {@code /echo} with a request id, answered with the response's body.
	 */
	interface Get extends AutoCloseable {

		String get(URI uri, String id) throws Exception;

		@Override
		default void close() throws Exception {
		}

	}

	enum Client {

		JDK_HTTP_CLIENT(() -> {
			HttpClient http = HttpClient.newHttpClient();
			return (uri, id) -> {
				var response = http.send(HttpRequest.newBuilder(uri).header(TestApplication.REQUEST_ID, id).build(),
						BodyHandlers.ofString());
				return (response.statusCode() == 200) ? response.body() : "status " + response.statusCode();
			};
		}),

		APACHE_HTTP_CLIENT_5(() -> {
			CloseableHttpClient http = HttpClients.createDefault();
			return new Get() {

				@Override
				public String get(URI uri, String id) throws Exception {
					HttpGet request = new HttpGet(uri);
					request.setHeader(TestApplication.REQUEST_ID, id);
					return http.execute(request, (response) -> (response.getCode() == 200)
							? EntityUtils.toString(response.getEntity()) : "status " + response.getCode());
				}

				@Override
				public void close() throws Exception {
					http.close();
				}

			};
		}),

		/** With Apache HttpClient 5 on the class path, as here, RestClient's default is it. */
		REST_CLIENT(() -> restClient(RestClient.create())),

		/** Without another HTTP library, RestClient's default is the JDK's HttpClient. */
		REST_CLIENT_ON_JDK_HTTP_CLIENT(
				() -> restClient(RestClient.builder().requestFactory(new JdkClientHttpRequestFactory()).build())),

		/** The JDK's HttpURLConnection, the oldest default of Spring's clients. */
		REST_CLIENT_ON_HTTP_URL_CONNECTION(() -> restClient(
				RestClient.builder().requestFactory(new SimpleClientHttpRequestFactory()).build()));

		private final Supplier<Get> factory;

		Client(Supplier<Get> factory) {
			this.factory = factory;
		}

		Get create() {
			return this.factory.get();
		}

		private static Get restClient(RestClient client) {
			return (uri, id) -> client.get().uri(uri).header(TestApplication.REQUEST_ID, id).retrieve().body(String.class);
		}

	}

}
