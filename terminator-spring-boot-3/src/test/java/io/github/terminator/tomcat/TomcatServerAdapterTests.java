package io.github.terminator.tomcat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.test.RawConnection;
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
			List<RawConnection> waiting = server.connectWaiting(3);
			try {
				assertThat(server.registry().size()).isOne();
				CompletableFuture<TerminationResult> result = server.terminateAsync();
				server.awaitClosingConnections();
				server.releaseBlocked();
				assertThat(holder.readResponse(WAIT).body()).isEqualTo("released");
				RunningServer.assertWaitingServedThenClosed(waiting, WAIT);
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
