package io.github.terminator.conformance;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionState;
import io.github.terminator.core.ServerAdapter;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TrackedConnection;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import io.github.terminator.tomcat.TomcatServerAdapter;
import io.github.terminator.undertow.UndertowServerAdapter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;

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
	@MethodSource("io.github.terminator.test.ServerSetup#plain")
	void theAdapterIsTheOneOfTheServerTheApplicationRunsOn(ServerSetup setup) {
		try (RunningServer server = RunningServer.start(setup)) {
			Object webServer = ((ServletWebServerApplicationContext) server.context()).getWebServer();
			ServerAdapter adapter = server.context().getBean(ServerAdapter.class);
			switch (setup.server()) {
				case TOMCAT -> {
					assertThat(webServer).isInstanceOf(TomcatWebServer.class);
					assertThat(adapter).isInstanceOf(TomcatServerAdapter.class);
				}
				case UNDERTOW -> {
					assertThat(webServer).isInstanceOf(UndertowServletWebServer.class);
					assertThat(adapter).isInstanceOf(UndertowServerAdapter.class);
				}
			}
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#all")
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

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#plain")
	void whenTenThousandRequestsChurnConnectionsThenNoConnectionIsLeftTracked(ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup)) {
			ExecutorService clients = Executors.newFixedThreadPool(4);
			try {
				List<Future<Integer>> served = new ArrayList<>();
				for (int client = 0; client < 4; client++) {
					served.add(clients.submit(() -> churn(server, 2_500)));
				}
				int total = 0;
				for (Future<Integer> count : served) {
					total += count.get(2, TimeUnit.MINUTES);
				}
				assertThat(total).isEqualTo(10_000);
			}
			finally {
				clients.shutdownNow();
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> server.registry().isEmpty());
			assertThat(server.hits()).isEqualTo(10_000);
			assertThat(server.terminator().terminate().code()).isEqualTo(TerminationCode.TERMINATED);
		}
	}

	private static TrackedConnection awaitOneConnection(RunningServer server) {
		await().atMost(WAIT).until(() -> server.registry().size() == 1);
		return server.registry().connections().get(0);
	}

	/**
	 * Sends requests over connections that each serve one to five of them, the last one
	 * closing it from either side.
	 */
	private static int churn(RunningServer server, int requests) throws Exception {
		int sent = 0;
		int connection = 0;
		while (sent < requests) {
			int perConnection = Math.min(1 + (connection % 5), requests - sent);
			boolean clientCloses = (connection % 2 == 0);
			try (RawConnection client = server.connect()) {
				for (int i = 1; i <= perConnection; i++) {
					if (i == perConnection && !clientCloses) {
						client.send("GET /fast HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
					}
					else {
						client.get("/fast");
					}
					assertThat(client.readResponse(Duration.ofSeconds(10)).status()).isEqualTo(200);
					sent++;
				}
			}
			connection++;
		}
		return sent;
	}

}
