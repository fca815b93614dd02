package io.github.terminator.reliability;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.TerminatorSettings;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import io.github.terminator.test.TestApplication;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * Real HTTP clients, with their default settings and no retry of their own, send GETs and
 * POSTs through a termination: every request gets its full response, and the only error
 * a caller sees is a new connection refused once the listener is closed.
 */
class RealClientsTests {

	/**
	 * The pauses of each thread between its requests, from and to: none; up to 200 ms;
	 * 100 ms to 1.9 s, past a short quiet window but within the 2 s in which Apache
	 * HttpClient 5 reuses a pooled connection unchecked; 2 to 2.4 s, past it.
	 */
	private static final long[][] PAUSES_MILLIS = { { 0, 0 }, { 0, 200 }, { 100, 1900 }, { 2000, 2400 } };

	private static final int THREADS = PAUSES_MILLIS.length;

	/** The body of each POST. */
	private static final String PAYLOAD = "payload";

	static Stream<Arguments> clients() {
		return ServerSetup.everyStackPlain()
			.flatMap((setup) -> Stream.of(Client.values())
				.flatMap((client) -> client.methods.stream().map((method) -> Arguments.of(client, method, setup))));
	}

	/**
	 * One thread sends back to back: it reuses its connection at once, and the drain
	 * answers it with {@code Connection: close}. The others pause between requests
	 * ({@link #PAUSES_MILLIS}), leaving connections idle in the pool for a while: the drain
	 * must close one only in a way that the client sees before it reuses it, which Apache
	 * HttpClient 5 checks only for a connection idle for 2 s or more.
	 */
	@ParameterizedTest(name = "{0} {1} on {2}")
	@MethodSource("clients")
	void whenTerminationStartsThenEveryRequestGetsItsResponseOrItsConnectionIsRefused(Client kind, String method,
			ServerSetup setup) throws Exception {
		Tally total = new Tally();
		int rounds = Stress.rounds(1);
		for (int round = 0; round < rounds; round++) {
			try (RunningServer server = RunningServer.start(setup); Exchange client = kind.create()) {
				Tally tally = new Tally();
				TerminationResult result = terminateWhileLooping(server, client, method, tally);
				assertThat(result.code()).as("%s", result).isEqualTo(TerminationCode.TERMINATED);
				tally.assertEveryRequestAnswered(server.received(), server.outcomes());
				assertThat(tally.refused).hasValue(THREADS);
				total.add(tally);
			}
		}
		Report.print(kind + " " + method + " on " + setup + ", " + rounds + " terminations", total);
	}

	/**
	 * Apache HttpClient 5 reuses a pooled connection without checking it for 2 s after
	 * its last response. Reused 1 s into the drain, a connection must still be open, and
	 * its request is served; reused after the quiet period, the client checks it first,
	 * finds it closed, and its new connection is refused. Retries off, POST.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenApacheHttpClientReusesAPooledConnectionDuringTheDrainThenItIsServedOrSeesTheClose(ServerSetup setup)
			throws Exception {
		try (RunningServer server = RunningServer.start(setup);
				Exchange early = Client.APACHE_HTTP_CLIENT_5.create();
				Exchange late = Client.APACHE_HTTP_CLIENT_5.create()) {
			URI uri = URI.create("http://localhost:" + server.port() + "/echo");
			assertThat(early.send(uri, "POST", "early-1")).isEqualTo("early-1");
			assertThat(late.send(uri, "POST", "late-1")).isEqualTo("late-1");
			long lastResponseAt = System.nanoTime();
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			Thread.sleep(1000);
			assertThat(early.send(uri, "POST", "early-2")).isEqualTo("early-2");
			long quietPeriod = TerminatorSettings.DEFAULT_QUIET_PERIOD.toMillis();
			Thread.sleep(Math.max(0, quietPeriod + 1000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastResponseAt)));
			assertThatException().isThrownBy(() -> late.send(uri, "POST", "late-2"))
				.satisfies((ex) -> assertThat(causedByConnectException(ex)).as("connection refused: " + ex).isTrue());
			assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
			assertThat(server.received()).containsExactlyInAnyOrder("early-1", "late-1", "early-2");
		}
	}

	/**
	 * Loops requests on every thread until each finds the server gone, the termination
	 * starting once they are under way. Connection refused ends a thread's loop; any other
	 * exception is a request written and left without a response, and the loop goes on.
	 */
	private static TerminationResult terminateWhileLooping(RunningServer server, Exchange client, String method,
			Tally tally) throws Exception {
		URI uri = URI.create("http://localhost:" + server.port() + "/echo");
		Terminator terminator = server.terminator();
		ExecutorService threads = Executors.newFixedThreadPool(THREADS);
		try {
			List<Future<?>> loops = new ArrayList<>();
			AtomicIntegerArray servedByThread = new AtomicIntegerArray(THREADS);
			// The back-to-back thread sends one request, then waits for the others to have a
			// connection in the pool: seconds of full-speed load before the termination would
			// prove nothing more, and cost the other tests their CPU.
			CountDownLatch warmedUp = new CountDownLatch(1);
			for (int i = 0; i < THREADS; i++) {
				int thread = i;
				long minPauseMillis = PAUSES_MILLIS[i][0];
				long maxPauseMillis = PAUSES_MILLIS[i][1];
				loops.add(threads.submit(() -> {
					// Each thread's first request goes at once, its pauses come after: the
					// state at the termination is the same (every connection just used, its
					// thread in a pause), reached without first waiting out the longest pause.
					boolean first = true;
					while (true) {
						if (maxPauseMillis == 0 && servedByThread.get(thread) > 0) {
							warmedUp.await();
						}
						if (maxPauseMillis > 0 && !first) {
							Thread.sleep(ThreadLocalRandom.current().nextLong(minPauseMillis, maxPauseMillis));
						}
						first = false;
						String id = Tally.nextId();
						try {
							String body = client.send(uri, method, id);
							if (id.equals(body)) {
								tally.served.add(id);
								servedByThread.incrementAndGet(thread);
							}
							else {
								tally.failures.add(id + ": body " + body);
							}
						}
						catch (Exception ex) {
							if (causedByConnectException(ex)) {
								TerminationPhase phase = terminator.phase();
								if (phase == TerminationPhase.SERVING || phase == TerminationPhase.DELAYING) {
									tally.failures.add(id + " refused while " + phase + ": " + ex);
								}
								tally.refused(id, "while " + phase + ", on thread " + thread + " pausing "
										+ minPauseMillis + " to " + maxPauseMillis + " ms");
								return null;
							}
							String cause = rootCause(ex);
							tally.unanswered(id, cause + " while " + terminator.phase() + ", on thread " + thread
									+ " pausing " + minPauseMillis + " to " + maxPauseMillis + " ms");
							tally.errors.merge(cause, 1, Integer::sum);
						}
					}
				}));
			}
			// Every thread has a connection idle in the pool, or in use.
			await().atMost(Duration.ofSeconds(10))
				.until(() -> IntStream.range(0, THREADS).allMatch((thread) -> servedByThread.get(thread) > 0));
			warmedUp.countDown();
			// The back-to-back threads under way again.
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
	 * A request to {@code /echo} with a request id, answered with the response's body.
	 */
	interface Exchange extends AutoCloseable {

		String send(URI uri, String method, String id) throws Exception;

		@Override
		default void close() throws Exception {
		}

	}

	enum Client {

		/** Retries an idempotent request once by itself; a POST never. */
		JDK_HTTP_CLIENT(List.of("GET", "POST"), () -> {
			HttpClient http = HttpClient.newHttpClient();
			return (uri, method, id) -> {
				HttpRequest.Builder request = HttpRequest.newBuilder(uri).header(TestApplication.REQUEST_ID, id);
				request = method.equals("POST") ? request.POST(BodyPublishers.ofString(PAYLOAD))
						: request.GET();
				var response = http.send(request.build(), BodyHandlers.ofString());
				return (response.statusCode() == 200) ? response.body() : "status " + response.statusCode();
			};
		}),

		/** Its defaults, automatic retries off. */
		APACHE_HTTP_CLIENT_5(List.of("GET", "POST"), () -> {
			CloseableHttpClient http = apacheHttpClient();
			return new Exchange() {

				@Override
				public String send(URI uri, String method, String id) throws Exception {
					ClassicHttpRequest request = method.equals("POST") ? new HttpPost(uri) : new HttpGet(uri);
					request.setHeader(TestApplication.REQUEST_ID, id);
					if (method.equals("POST")) {
						request.setEntity(new StringEntity(PAYLOAD));
					}
					return http.execute(request, (response) -> (response.getCode() == 200)
							? EntityUtils.toString(response.getEntity()) : "status " + response.getCode());
				}

				@Override
				public void close() throws Exception {
					http.close();
				}

			};
		}),

		/**
		 * Reactor Netty's, WebClient's default, its retries off: its own pool, on event
		 * loops of its own (the global ones go with the first application that stops).
		 */
		REACTOR_NETTY_HTTP_CLIENT(List.of("GET", "POST"), () -> {
			ConnectionProvider pool = ConnectionProvider.create("real-clients", THREADS);
			LoopResources loops = LoopResources.create("real-clients", 1, true);
			reactor.netty.http.client.HttpClient http = reactor.netty.http.client.HttpClient.create(pool)
				.runOn(loops)
				.disableRetry(true);
			return new Exchange() {

				@Override
				public String send(URI uri, String method, String id) {
					reactor.netty.http.client.HttpClient withId = http
						.headers((headers) -> headers.set(TestApplication.REQUEST_ID, id));
					return (method.equals("POST")
							? withId.post().uri(uri).send(ByteBufFlux.fromString(Mono.just(PAYLOAD)))
							: withId.get().uri(uri))
						.responseSingle((response, body) -> body.asString()
							.defaultIfEmpty("")
							.map((text) -> (response.status().code() == 200) ? text
									: "status " + response.status().code()))
						.block(Duration.ofSeconds(30));
				}

				@Override
				public void close() {
					pool.disposeLater().block(Duration.ofSeconds(5));
					loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
				}

			};
		}),

		/** RestClient's default when Apache HttpClient 5 is on the class path, its retries off. */
		REST_CLIENT_ON_APACHE_HTTP_CLIENT_5(List.of("GET", "POST"), () -> restClient(
				RestClient.builder().requestFactory(new HttpComponentsClientHttpRequestFactory(apacheHttpClient())))),

		/** Without another HTTP library, RestClient's default is the JDK's HttpClient. */
		REST_CLIENT_ON_JDK_HTTP_CLIENT(List.of("GET", "POST"),
				() -> restClient(RestClient.builder().requestFactory(new JdkClientHttpRequestFactory()))),

		/**
		 * The JDK's HttpURLConnection, the oldest default of Spring's clients. GET only: it
		 * resends a request, POST included, on a failed kept-alive connection.
		 */
		REST_CLIENT_ON_HTTP_URL_CONNECTION(List.of("GET"),
				() -> restClient(RestClient.builder().requestFactory(new SimpleClientHttpRequestFactory())));

		private final List<String> methods;

		private final Supplier<Exchange> factory;

		Client(List<String> methods, Supplier<Exchange> factory) {
			this.methods = methods;
			this.factory = factory;
		}

		Exchange create() {
			return this.factory.get();
		}

		private static CloseableHttpClient apacheHttpClient() {
			return HttpClients.custom().disableAutomaticRetries().build();
		}

		private static Exchange restClient(RestClient.Builder builder) {
			RestClient client = builder.build();
			return (uri, method, id) -> method.equals("POST")
					? client.post().uri(uri).header(TestApplication.REQUEST_ID, id).body(PAYLOAD).retrieve()
						.body(String.class)
					: client.get().uri(uri).header(TestApplication.REQUEST_ID, id).retrieve().body(String.class);
		}

	}

}
