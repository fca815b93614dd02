package io.github.terminator.tomcat;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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

/**
 * The Tomcat adapter on a real server: every connector is tracked.
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
