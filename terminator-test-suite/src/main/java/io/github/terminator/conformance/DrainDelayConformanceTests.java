package io.github.terminator.conformance;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What a client and a load balancer's probes observe, over real sockets, during the
 * contract's DELAYING phase and the drain that follows it: the termination started by
 * {@code Terminator.terminate()} or by the application context closing (the path of a
 * SIGTERM), with Spring Boot's graceful or immediate shutdown, and with actuator on its
 * own management port.
 */
class DrainDelayConformanceTests {

	private static final Duration RESPONSE_WAIT = Duration.ofSeconds(10);

	private static final long DELAY_MILLIS = 2000;

	/**
	 * How late, at most, the listener may close after the delay: the scheduling of the
	 * drain's, the server's and this test's threads on a two-core machine whose cores
	 * other work keeps busy (2.5 s was seen there, in the Boot 4.1 run of {@code .ci/run}),
	 * well short of the graceful timeout (10 s), which a listener left open would reach.
	 */
	private static final long LATE_MARGIN_MILLIS = 4000;

	private static final String READINESS = "/actuator/health/readiness";

	private static final String LIVENESS = "/actuator/health/liveness";

	/**
	 * Each trigger over HTTP, and one over HTTPS, on every server.
	 */
	static Stream<Arguments> triggersAndSetups() {
		return ServerSetup.everyStack()
			.flatMap((setup) -> Stream.of(Trigger.values())
				.filter((trigger) -> !setup.tls() || trigger == Trigger.TERMINATE)
				.map((trigger) -> Arguments.of(trigger, setup)));
	}

	static Stream<Arguments> triggersOnEachServer() {
		return ServerSetup.everyStackPlain().flatMap((setup) -> Stream.of(Trigger.values()).map((trigger) -> Arguments.of(trigger, setup)));
	}

	static Stream<Arguments> gracefulTriggersOnEachServer() {
		return triggersOnEachServer().filter((arguments) -> arguments.get()[0] != Trigger.CLOSE_IMMEDIATE);
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("triggersAndSetups")
	void duringTheDelayProbesFailReadinessAndEveryRequestIsServedWithConnectionClose(Trigger trigger,
			ServerSetup setup) throws Exception {
		boolean tls = setup.tls();
		try (RunningServer server = start(setup, trigger, "terminator.drain-delay=" + DELAY_MILLIS + "ms",
				RunningServer.SHORT_QUIET_PERIOD); RawConnection idle = server.connect();
				RawConnection busy = server.connect()) {
			int port = server.port();
			int managementPort = managementPort(server);
			Terminator terminator = server.terminator();
			assertThat(idle.get("/fast").readResponse(RESPONSE_WAIT).closesConnection()).isFalse();
			assertThat(busy.get("/fast").readResponse(RESPONSE_WAIT).closesConnection()).isFalse();
			assertThat(probe(managementPort, tls, READINESS)).isEqualTo(200);
			quietWindowPasses();
			// Held until clients are told to close: a timed request could end first on a
			// loaded machine, and rightly keep its connection.
			busy.get("/blocked");
			server.awaitRequestsInFlight(1);
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = trigger.start(server);
			server.awaitClosingConnections();
			server.releaseBlocked();

			assertThat(idle.awaitClose(Duration.ofSeconds(1))).isEqualTo(Close.FIN);
			assertThat(probe(managementPort, tls, READINESS)).isEqualTo(503);
			assertThat(probe(managementPort, tls, LIVENESS)).isEqualTo(200);
			RawResponse inFlight = busy.readResponse(RESPONSE_WAIT);
			assertThat(inFlight.status()).isEqualTo(200);
			assertThat(inFlight.closesConnection()).isTrue();
			assertThat(busy.awaitClose(Duration.ofSeconds(3))).isEqualTo(Close.FIN);
			for (int i = 0; i < 5; i++) {
				try (RawConnection late = server.connect()) {
					RawResponse response = late.get("/fast").readResponse(RESPONSE_WAIT);
					assertThat(response.status()).isEqualTo(200);
					assertThat(response.body()).isEqualTo("fast");
					assertThat(response.closesConnection()).isTrue();
					assertThat(late.awaitClose(Duration.ofSeconds(3))).isEqualTo(Close.FIN);
				}
			}
			// Everything above happened during the delay, or this test proves nothing.
			assertThat(terminator.phase()).isEqualTo(TerminationPhase.DELAYING);

			long refusedAfter = awaitRefused(port, start);
			assertThat(refusedAfter).isBetween(DELAY_MILLIS, DELAY_MILLIS + LATE_MARGIN_MILLIS);
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.delay()).isBetween(Duration.ofMillis(DELAY_MILLIS),
					Duration.ofMillis(DELAY_MILLIS + LATE_MARGIN_MILLIS));
			assertThat(terminated.connectionsClosedIdle()).isGreaterThanOrEqualTo(1);
			assertThat(terminated.requestsCompleted()).isGreaterThanOrEqualTo(6);
			assertThat(terminated.connectionsForced()).isZero();
		}
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("triggersOnEachServer")
	void whenARequestRunsPastTheDelayThenTheDrainLetsItFinishWhileProbesStayReachable(Trigger trigger,
			ServerSetup setup) throws Exception {
		try (RunningServer server = start(setup, trigger, "terminator.drain-delay=1s");
				RawConnection client = server.connect(); RawConnection probes = managementConnection(server)) {
			int port = server.port();
			int managementPort = managementPort(server);
			Terminator terminator = server.terminator();
			ConnectionRegistry registry = server.registry();
			client.get("/slow?millis=2500");
			server.awaitRequestsInFlight(1);
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = trigger.start(server);
			awaitRefused(port, start);
			assertThat(terminator.phase()).isEqualTo(TerminationPhase.DRAINING);

			// The management server is not drained: its kept-alive connection still serves,
			// and it still accepts new ones.
			RawResponse liveness = probes.get(LIVENESS).readResponse(RESPONSE_WAIT);
			assertThat(liveness.status()).isEqualTo(200);
			assertThat(liveness.closesConnection()).isFalse();
			assertThat(probe(managementPort, false, READINESS)).isEqualTo(503);
			assertThat(registry.connections()).isNotEmpty()
				.allSatisfy((connection) -> assertThat(connection.localPort()).isEqualTo(port));

			RawResponse response = client.readResponse(RESPONSE_WAIT);
			long responseAt = System.nanoTime();
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("slow 2500");
			assertThat(response.closesConnection()).isTrue();
			assertThat(client.awaitClose(Duration.ofSeconds(1))).isEqualTo(Close.FIN);
			TerminationResult terminated = result.get(10, TimeUnit.SECONDS);
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isEqualTo(1);
			assertThat(terminated.delay()).isBetween(Duration.ofSeconds(1),
					Duration.ofMillis(1000 + LATE_MARGIN_MILLIS));
			if (trigger == Trigger.TERMINATE) {
				// The drain ends right after the last response, as without a delay.
				assertThat(elapsedMillis(responseAt)).isLessThan(500);
			}
		}
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("gracefulTriggersOnEachServer")
	void whenActuatorSharesTheServerPortThenDuringTheDelayProbesAreServedLikeAnyRequest(Trigger trigger,
			ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, "terminator.drain-delay=1s",
				"management.endpoint.health.probes.enabled=true",
				"management.endpoints.web.exposure.include=health")) {
			int port = server.port();
			Terminator terminator = server.terminator();
			assertThat(probe(port, false, READINESS)).isEqualTo(200);
			long start = System.nanoTime();
			CompletableFuture<TerminationResult> result = trigger.start(server);
			server.awaitClosingConnections();
			assertThat(probe(port, false, READINESS)).isEqualTo(503);
			try (RawConnection probe = server.connect()) {
				RawResponse liveness = probe.get(LIVENESS).readResponse(RESPONSE_WAIT);
				assertThat(liveness.status()).isEqualTo(200);
				assertThat(liveness.closesConnection()).isTrue();
				assertThat(probe.awaitClose(Duration.ofSeconds(1))).isEqualTo(Close.FIN);
			}
			assertThat(terminator.phase()).isEqualTo(TerminationPhase.DELAYING);
			assertThat(awaitRefused(port, start)).isBetween(1000L, 1000 + LATE_MARGIN_MILLIS);
			assertThat(result.get(10, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
		}
	}

	private static RunningServer start(ServerSetup setup, Trigger trigger, String... properties) {
		List<String> all = new ArrayList<>(List.of("management.server.port=0",
				"management.endpoint.health.probes.enabled=true", "management.endpoints.web.exposure.include=health",
				"server.shutdown=" + trigger.shutdown));
		all.addAll(List.of(properties));
		return RunningServer.start(setup, all.toArray(String[]::new));
	}

	private static int managementPort(RunningServer server) {
		return server.context().getEnvironment().getRequiredProperty("local.management.port", Integer.class);
	}

	private static RawConnection managementConnection(RunningServer server) throws IOException {
		return RawConnection.open(managementPort(server), false);
	}

	/**
	 * The status of one probe, on a connection of its own, as a load balancer's health
	 * check sends it. (The management server serves TLS when the server does.)
	 */
	private static int probe(int port, boolean tls, String path) throws IOException {
		try (RawConnection connection = RawConnection.open(port, tls)) {
			return connection.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
				.readResponse(RESPONSE_WAIT)
				.status();
		}
	}

	/**
	 * Opens connections, closing each at once, until one is refused. A connection the
	 * kernel accepted in the microseconds before the listener closed is reset while its
	 * connect returns (Undertow's listener; Tomcat's between its last accept and the
	 * close): its client wrote nothing, so it is refused as well.
	 * @return the milliseconds from {@code startNanos} to the first refused connection
	 */
	private static long awaitRefused(int port, long startNanos) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() - deadline < 0) {
			RawConnection connection;
			try {
				connection = RawConnection.open(port, false);
			}
			catch (SocketException ex) {
				return elapsedMillis(startNanos);
			}
			try (connection) {
				Thread.sleep(10);
			}
		}
		assertThatExceptionOfType(ConnectException.class).as("a new connection is refused after the delay")
			.isThrownBy(() -> RawConnection.open(port, false));
		return elapsedMillis(startNanos);
	}


	private static void quietWindowPasses() throws InterruptedException {
		Thread.sleep(150);
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

	/**
	 * How the termination is started.
	 */
	enum Trigger {

		/** {@code Terminator.terminate()} called by the application. */
		TERMINATE("graceful"),

		/** The application context closing, as on SIGTERM, with Boot's graceful shutdown. */
		CLOSE_GRACEFUL("graceful"),

		/** The application context closing, with Boot's immediate shutdown. */
		CLOSE_IMMEDIATE("immediate");

		private final String shutdown;

		Trigger(String shutdown) {
			this.shutdown = shutdown;
		}

		CompletableFuture<TerminationResult> start(RunningServer server) {
			Terminator terminator = server.terminator();
			if (this == TERMINATE) {
				return CompletableFuture.supplyAsync(terminator::terminate, RunningServer.OWN_THREAD);
			}
			return server.closeAsync().thenApply((closed) -> terminator.lastResult());
		}

	}

}
