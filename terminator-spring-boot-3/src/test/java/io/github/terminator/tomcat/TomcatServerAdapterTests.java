package io.github.terminator.tomcat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.TestApplication;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Tomcat adapter on a real server: every connector is tracked, and its listener closed
 * without resetting what waits in its backlog.
 */
class TomcatServerAdapterTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void whenUserAddsAConnectorThenItsConnectionsAreTrackedAndDrainedToo() throws Exception {
		try (RunningServer server = RunningServer.start(false,
				"spring.main.sources=" + AdditionalConnectorConfiguration.class.getName())) {
			server.assertIdleConnectionOnPortIsTrackedAndDrained(additionalConnectorPort(server));
		}
	}

	/**
	 * Connections the kernel accepted but Tomcat did not yet (here because the one
	 * connection it may have is taken) are served when the listener closes, not reset
	 * with it: their clients' connect succeeded, and they have written their requests.
	 */
	@Test
	void whenTheListenerClosesThenConnectionsWaitingInItsBacklogAreServed() throws Exception {
		try (RunningServer server = RunningServer.start(false, "server.tomcat.max-connections=1",
				RunningServer.SHORT_QUIET_PERIOD); RawConnection holder = server.connect()) {
			holder.get("/blocked");
			server.awaitRequestsInFlight(1);
			List<RawConnection> waiting = new ArrayList<>();
			try {
				for (int i = 0; i < 3; i++) {
					RawConnection connection = server.connect();
					waiting.add(connection);
					connection.send("GET /echo HTTP/1.1\r\nHost: localhost\r\n" + TestApplication.REQUEST_ID
							+ ": waiting-" + i + "\r\n\r\n");
				}
				assertThat(server.registry().size()).isOne();
				CompletableFuture<TerminationResult> result = server.terminateAsync();
				server.awaitClosingConnections();
				server.releaseBlocked();
				assertThat(holder.readResponse(WAIT).body()).isEqualTo("released");
				for (int i = 0; i < waiting.size(); i++) {
					RawResponse response = waiting.get(i).readResponse(WAIT);
					assertThat(response.status()).isEqualTo(200);
					assertThat(response.body()).isEqualTo("waiting-" + i);
					// Served as the listener closed, perhaps before clients are told to
					// reconnect: closed with a FIN after the response or its quiet period.
					assertThat(waiting.get(i).awaitClose(WAIT)).isEqualTo(Close.FIN);
				}
				assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
			}
			finally {
				waiting.forEach(RawConnection::close);
			}
		}
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
