package io.github.terminator.sample.webflux;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample on WebFlux, stopped as a SIGTERM stops it while an answer streams and a
 * client reads the endless stream: the answer gets every token, then its end; the
 * endless stream ends cleanly, at once.
 */
class WebFluxSampleApplicationTests {

	@Test
	void whenTheApplicationStopsThenTheAnswerFinishesAndTheSubscriptionEndsCleanly() throws Exception {
		ConfigurableApplicationContext context = SpringApplication.run(WebFluxSampleApplication.class,
				"--server.port=0", "--spring.main.banner-mode=off");
		try {
			int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
			CompletableFuture<HttpResponse<String>> answer = http
				.sendAsync(get(port, "/answer?tokens=8&intervalMillis=250"), BodyHandlers.ofString());
			HttpResponse<InputStream> events = http.send(get(port, "/events?intervalMillis=100"),
					BodyHandlers.ofInputStream());
			BufferedReader eventLines = new BufferedReader(
					new InputStreamReader(events.body(), StandardCharsets.UTF_8));
			assertThat(eventLines.readLine()).isEqualTo("data:event 1");
			ConnectionRegistry registry = context.getBean(ConnectionRegistry.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> registry.streams().size() == 2);
			Terminator terminator = context.getBean(Terminator.class);
			long start = System.nanoTime();
			CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);
			// Ended cleanly: the rest of the stream, then its end, no error.
			String rest = CompletableFuture.supplyAsync(() -> eventLines.lines().toList().toString())
				.get(5, TimeUnit.SECONDS);
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500);
			assertThat(events.statusCode()).isEqualTo(200);
			assertThat(rest).doesNotContain("event 100");
			HttpResponse<String> answered = answer.get(10, TimeUnit.SECONDS);
			assertThat(answered.statusCode()).isEqualTo(200);
			assertThat(answered.body()).contains("data:token 8").endsWith("data:[DONE]\n\n");
			closed.get(10, TimeUnit.SECONDS);
			TerminationResult result = terminator.lastResult();
			assertThat(result.code()).as("%s", result).isEqualTo(TerminationCode.TERMINATED);
			assertThat(result.subscriptionsEnded()).isEqualTo(1);
			assertThat(result.streamsFinished()).isEqualTo(1);
			assertThat(result.streamsCut()).isZero();
		}
		finally {
			context.close();
		}
	}

	private static HttpRequest get(int port, String target) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target)).build();
	}

}
