package io.github.terminator.conformance;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.github.terminator.core.ConnectionState;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.core.TrackedConnection;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The contract's connection tracking, on every server: each connection is seen from
 * accept to close with what the contract lists, whatever it does, and nothing stays
 * tracked once it is gone.
 */
class TrackingConformanceTests {

	private static final Duration WAIT = Duration.ofSeconds(5);

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void theAdapterIsTheOneOfTheServerTheApplicationRunsOn(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup)) {
			String serverName = Character.toUpperCase(setup.server().name().charAt(0))
					+ setup.server().name().substring(1);
			assertThat(webServerOf(server).getClass().getSimpleName()).startsWith(serverName);
			assertThat(server.context().getBean(ServerAdapter.class).getClass().getSimpleName())
				.isEqualTo(setup.server().adapter());
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void aConnectionIsTrackedFromAcceptToCloseThroughEachState(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup)) {
			try (RawConnection client = server.connect()) {
				// Accepted, not a byte sent yet: a browser's pre-connect.
				TrackedConnection tracked = awaitOneConnection(server);
				assertThat(tracked.state()).isEqualTo(ConnectionState.NEW);
				assertThat(tracked.localPort()).isEqualTo(server.port());
				InetSocketAddress local = client.localAddress();
				assertThat(tracked.remoteAddress()).isEqualTo("127.0.0.1:" + local.getPort());
				assertThat(tracked.requestsServed()).isZero();

				client.get("/slow?millis=500&secret=hunter2");
				server.awaitRequestsInFlight(1);
				assertThat(tracked.state()).isEqualTo(ConnectionState.ACTIVE);
				assertThat(tracked.currentRequest().method()).isEqualTo("GET");
				assertThat(tracked.currentRequest().path()).isEqualTo("/slow");
				assertThat(client.readResponse(WAIT).status()).isEqualTo(200);

				await().atMost(WAIT).until(() -> tracked.state() == ConnectionState.IDLE);
				assertThat(tracked.currentRequest()).isNull();
				assertThat(tracked.requestsServed()).isEqualTo(1);
				assertThat(server.registry().connections()).containsExactly(tracked);
			}
			await().atMost(WAIT).until(() -> server.registry().isEmpty());
		}
	}

	private static TrackedConnection awaitOneConnection(RunningServer server) {
		await().atMost(WAIT).until(() -> server.registry().size() == 1);
		return server.registry().connections().get(0);
	}

	/**
	 * The context's web server, read the same way on every Boot line, whose context
	 * classes have moved.
	 */
	private static Object webServerOf(RunningServer server) throws ReflectiveOperationException {
		return server.context().getClass().getMethod("getWebServer").invoke(server.context());
	}

}
