package io.github.terminator.micrometer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.test.Json;
import io.github.terminator.test.ManagementClient;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The {@link TerminatorMetrics} of a real server, as {@code /actuator/metrics} and the
 * Prometheus scrape show them on a separate management port, before and after a real
 * drain.
 */
class TerminatorMetricsServerTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void afterDrainMetersHoldWhatTheTerminationDid(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, "management.server.port=0",
				"management.endpoints.web.exposure.include=metrics,prometheus", "terminator.graceful-timeout=4s",
				"terminator.max-wait=10s");
				RawConnection idle = server.connect();
				RawConnection completing = server.connect();
				RawConnection stalled = server.connect()) {
			ManagementClient management = ManagementClient.of(server);
			idle.get("/fast").readResponse(WAIT);
			// Held until the test releases it, once the drain has started: in flight however
			// long the meters take to read on a loaded machine.
			completing.get("/blocked");
			// Its body never comes: in flight until the graceful timeout forces it.
			stalled.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
					+ "Content-Length: 100\r\n\r\npart");
			server.awaitRequestsInFlight(2);
			assertThat(gauge(management, "terminator.connections?tag=state:active")).isEqualTo(2);
			assertThat(gauge(management, "terminator.connections?tag=state:idle")).isEqualTo(1);
			assertThat(gauge(management, "terminator.connections?tag=state:new")).isZero();
			assertThat(gauge(management, "terminator.requests.active")).isEqualTo(2);
			String serving = management.get("/actuator/prometheus");
			assertThat(serving).contains("terminator_connections{state=\"active\"} 2.0")
				.contains("terminator_requests_active_requests 2.0")
				.contains("terminator_connections_closed_connections_total{reason=\"forced\"} 0.0")
				.doesNotContain("terminator_terminations");

			CompletableFuture<TerminationResult> result = server.terminateAsync();
			server.awaitClosingConnections();
			server.releaseBlocked();
			RawResponse completed = completing.readResponse(WAIT);
			assertThat(completed.closesConnection()).isTrue();
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).isEqualTo(TerminationCode.FORCED);
			assertThat(terminated.connectionsClosedIdle()).isEqualTo(1);
			assertThat(terminated.connectionsCompleted()).isEqualTo(1);
			assertThat(terminated.connectionsForced()).isEqualTo(1);

			assertThat(gauge(management, "terminator.connections.closed?tag=reason:idle")).isEqualTo(1);
			assertThat(gauge(management, "terminator.connections.closed?tag=reason:completed")).isEqualTo(1);
			assertThat(gauge(management, "terminator.connections.closed?tag=reason:forced")).isEqualTo(1);
			Json timer = management.json("/actuator/metrics/terminator.terminations?tag=outcome:FORCED");
			assertThat(measurement(timer, "COUNT")).isEqualTo(1);
			assertThat(measurement(timer, "TOTAL_TIME")).isCloseTo(terminated.duration().toNanos() / 1e9,
					within(1e-6));
			await().atMost(WAIT).until(() -> server.registry().isEmpty());
			assertThat(gauge(management, "terminator.connections")).isZero();
			assertThat(gauge(management, "terminator.requests.active")).isZero();

			String after = management.get("/actuator/prometheus");
			assertThat(after).contains("terminator_connections_closed_connections_total{reason=\"idle\"} 1.0")
				.contains("terminator_connections_closed_connections_total{reason=\"completed\"} 1.0")
				.contains("terminator_connections_closed_connections_total{reason=\"forced\"} 1.0")
				.contains("terminator_terminations_seconds_count{outcome=\"FORCED\"} 1")
				.contains("terminator_connections{state=\"active\"} 0.0");
		}
	}

	private static double gauge(ManagementClient management, String meter) {
		return measurement(management.json("/actuator/metrics/" + meter), "VALUE", "COUNT");
	}

	private static double measurement(Json meter, String... statistics) {
		for (Json measurement : meter.path("measurements")) {
			for (String statistic : statistics) {
				if (statistic.equals(measurement.path("statistic").asText())) {
					return measurement.path("value").asDouble();
				}
			}
		}
		throw new AssertionError("no " + String.join(" or ", statistics) + " in " + meter);
	}

}
