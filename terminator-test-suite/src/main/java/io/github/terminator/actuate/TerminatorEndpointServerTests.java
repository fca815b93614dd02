package io.github.terminator.actuate;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionState;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.test.Json;
import io.github.terminator.test.ManagementClient;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The {@link TerminatorEndpoint} of a real server, read over HTTP on a separate
 * management port while the main port serves, drains, and after.
 */
class TerminatorEndpointServerTests {

	private static final String ENDPOINT = "/actuator/terminator";

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void whileServingShowsPhaseConfigurationAndConnectionsByState() throws Exception {
		try (RunningServer server = start("terminator.drain-delay=250ms", "terminator.graceful-timeout=3s");
				RawConnection idle = server.connect();
				RawConnection fresh = server.connect()) {
			idle.get("/fast").readResponse(WAIT);
			await().atMost(WAIT).until(() -> server.registry().countByState().get(ConnectionState.IDLE) == 1
					&& server.registry().countByState().get(ConnectionState.NEW) == 1);
			Json json = ManagementClient.of(server).json(ENDPOINT);
			assertThat(json.path("phase").asText()).isEqualTo("SERVING");
			assertThat(json.path("configuration").path("drainDelay").asText()).isEqualTo("PT0.25S");
			assertThat(json.path("configuration").path("gracefulTimeout").asText()).isEqualTo("PT3S");
			assertThat(json.path("configuration").path("maxWait").asText()).isEqualTo("PT30S");
			assertThat(json.path("configuration").path("quietPeriod").asText()).isEqualTo("PT2.5S");
			Json byState = json.path("connectionsByState");
			assertThat(byState.path("NEW").asInt()).isEqualTo(1);
			assertThat(byState.path("IDLE").asInt()).isEqualTo(1);
			assertThat(byState.path("ACTIVE").asInt()).isZero();
			assertThat(byState.path("UPGRADED").asInt()).isZero();
			assertThat(json.path("requestsInFlight").asInt()).isZero();
			assertThat(json.has("lastResult")).isFalse();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void duringAndAfterDrainShowsPhaseConnectionsAndResultWhileMainPortIsClosed(ServerSetup setup) throws Exception {
		try (RunningServer server = start(setup, "management.endpoint.terminator.show-details=always");
				RawConnection client = server.connect()) {
			ManagementClient management = ManagementClient.of(server);
			int port = server.port();
			client.get("/blocked?millis=1&secret=x");
			server.awaitRequestsInFlight(1);
			CompletableFuture<TerminationResult> result = server.terminateAsync();
			await().atMost(WAIT).until(() -> "DRAINING".equals(management.json(ENDPOINT).path("phase").asText()));
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawConnection.open(port, false));

			String draining = management.get(ENDPOINT);
			assertThat(draining).doesNotContain("secret").doesNotContain("millis");
			Json json = management.json(ENDPOINT);
			assertThat(json.path("phase").asText()).isEqualTo("DRAINING");
			assertThat(json.path("connectionsByState").path("ACTIVE").asInt()).isEqualTo(1);
			assertThat(json.path("requestsInFlight").asInt()).isEqualTo(1);
			assertThat(json.has("lastResult")).isFalse();
			assertThat(json.path("connections")).hasSize(1);
			Json connection = json.path("connections").get(0);
			assertThat(connection.path("id").asLong()).isPositive();
			assertThat(connection.path("remoteAddress").asText()).startsWith("127.0.0.1:");
			assertThat(connection.path("localPort").asInt()).isEqualTo(port);
			assertThat(connection.path("state").asText()).isEqualTo("ACTIVE");
			assertThat(connection.path("age").asText()).matches("PT[0-9.]+S");
			assertThat(connection.path("requestsServed").asLong()).isZero();
			assertThat(connection.path("request").path("method").asText()).isEqualTo("GET");
			assertThat(connection.path("request").path("path").asText()).isEqualTo("/blocked");
			assertThat(connection.path("request").path("elapsed").asText()).matches("PT[0-9.]+S");

			server.releaseBlocked();
			RawResponse response = client.readResponse(WAIT);
			assertThat(response.closesConnection()).isTrue();
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);

			String after = management.get(ENDPOINT);
			assertThat(after).doesNotContain("secret");
			json = management.json(ENDPOINT);
			assertThat(json.path("phase").asText()).isEqualTo("TERMINATED");
			assertThat(json.path("connections")).isEmpty();
			assertThat(json.path("requestsInFlight").asInt()).isZero();
			Json last = json.path("lastResult");
			assertThat(last.path("code").asText()).isEqualTo("TERMINATED");
			assertThat(last.path("success").asBoolean()).isTrue();
			assertThat(last.path("message").asText()).isEqualTo(terminated.message());
			assertThat(last.path("startedAt").asText()).isEqualTo(terminated.startedAt().truncatedTo(ChronoUnit.MILLIS).toString());
			assertThat(last.path("duration").asText()).matches("PT[0-9.]+S");
			assertThat(last.path("delay").asText()).isEqualTo("PT0S");
			assertThat(last.path("drain").asText()).matches("PT[0-9.]+S");
			assertThat(last.path("connectionsClosedIdle").asLong()).isZero();
			assertThat(last.path("requestsCompleted").asLong()).isEqualTo(1);
			assertThat(last.path("connectionsCompleted").asLong()).isEqualTo(1);
			assertThat(last.path("connectionsForced").asLong()).isZero();
			assertThat(last.path("connectionsLeft").asLong()).isZero();
		}
	}

	@Test
	void whenApplicationClosesThenEndpointShowsTheDrainOnManagementPort() throws Exception {
		try (RunningServer server = start(); RawConnection client = server.connect()) {
			ManagementClient management = ManagementClient.of(server);
			Terminator terminator = server.terminator();
			client.get("/blocked");
			server.awaitRequestsInFlight(1);
			CompletableFuture<Void> closing = server.closeAsync();
			await().atMost(WAIT).until(() -> "DRAINING".equals(management.json(ENDPOINT).path("phase").asText()));
			assertThat(management.json(ENDPOINT).path("requestsInFlight").asInt()).isEqualTo(1);
			server.releaseBlocked();
			assertThat(client.readResponse(WAIT).closesConnection()).isTrue();
			closing.get(10, TimeUnit.SECONDS);
			assertThat(terminator.lastResult().code()).isEqualTo(TerminationCode.TERMINATED);
		}
	}

	@ParameterizedTest(name = "show-details={0}")
	@NullSource
	@ValueSource(strings = { "never", "when-authorized" })
	void connectionsAreHiddenByDefaultAndFromAnonymousUsers(String showDetails) throws Exception {
		String[] properties = (showDetails != null)
				? new String[] { "management.endpoint.terminator.show-details=" + showDetails } : new String[0];
		try (RunningServer server = start(properties);
				RawConnection client = server.connect()) {
			client.get("/blocked?secret=x");
			server.awaitRequestsInFlight(1);
			String body = ManagementClient.of(server).get(ENDPOINT);
			assertThat(body).contains("\"requestsInFlight\":1")
				.doesNotContain("\"connections\"")
				.doesNotContain("/blocked")
				.doesNotContain("127.0.0.1")
				.doesNotContain("secret");
		}
	}

	@Test
	void endpointHasNoWriteOperation() throws Exception {
		try (RunningServer server = start()) {
			String links = ManagementClient.of(server).get("/actuator");
			assertThat(links).contains("\"terminator\"");
			String managementPort = server.context().getEnvironment().getProperty("local.management.port");
			HttpResponse<String> post = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + ENDPOINT))
					.POST(BodyPublishers.noBody())
					.build(), BodyHandlers.ofString());
			assertThat(post.statusCode()).isEqualTo(405);
			assertThat(server.terminator().phase()).isEqualTo(TerminationPhase.SERVING);
		}
	}

	private static RunningServer start(String... properties) {
		return start(ServerSetup.defaultServer(false), properties);
	}

	private static RunningServer start(ServerSetup setup, String... properties) {
		String[] all = new String[properties.length + 2];
		all[0] = "management.server.port=0";
		all[1] = "management.endpoints.web.exposure.include=terminator";
		System.arraycopy(properties, 0, all, 2, properties.length);
		return RunningServer.start(setup, all);
	}

}
