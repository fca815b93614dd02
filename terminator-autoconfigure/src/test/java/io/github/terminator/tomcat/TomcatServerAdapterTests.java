package io.github.terminator.tomcat;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The Tomcat adapter on a real server: every connector is tracked, and tracking loses
 * nothing under churn.
 */
class TomcatServerAdapterTests {

	@Test
	void whenUserAddsAConnectorThenItsConnectionsAreTrackedAndDrainedToo() throws Exception {
		try (RunningServer server = RunningServer.start(false,
				"spring.main.sources=" + AdditionalConnectorConfiguration.class.getName())) {
			int extraPort = additionalConnectorPort(server);
			try (RawConnection client = RawConnection.open(extraPort, false)) {
				RawResponse response = client.get("/fast").readResponse(Duration.ofSeconds(5));
				assertThat(response.status()).isEqualTo(200);
				assertThat(server.registry().connections()).singleElement()
					.satisfies((connection) -> assertThat(connection.localPort()).isEqualTo(extraPort));
				Thread.sleep(150);
				CompletableFuture<TerminationResult> result = server.terminateAsync();
				assertThat(client.awaitClose(Duration.ofSeconds(5))).isEqualTo(Close.FIN);
				assertThat(result.get(5, TimeUnit.SECONDS).connectionsClosedIdle()).isEqualTo(1);
			}
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawConnection.open(extraPort, false));
		}
	}

	@Test
	void whenTenThousandRequestsChurnConnectionsThenNoConnectionIsLeftTracked() throws Exception {
		try (RunningServer server = RunningServer.start(false)) {
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

	private static int additionalConnectorPort(RunningServer server) {
		TomcatWebServer webServer = (TomcatWebServer) ((ServletWebServerApplicationContext) server.context())
			.getWebServer();
		for (Connector connector : webServer.getTomcat().getService().findConnectors()) {
			if (connector.getLocalPort() != server.port()) {
				return connector.getLocalPort();
			}
		}
		throw new IllegalStateException("no additional connector");
	}

	@Configuration(proxyBeanMethods = false)
	static class AdditionalConnectorConfiguration {

		@Bean
		WebServerFactoryCustomizer<TomcatServletWebServerFactory> additionalConnector() {
			return (factory) -> {
				Connector connector = new Connector(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
				connector.setPort(0);
				factory.addAdditionalTomcatConnectors(connector);
			};
		}

	}

}
