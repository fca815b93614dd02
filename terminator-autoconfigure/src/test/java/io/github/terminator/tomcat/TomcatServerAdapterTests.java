package io.github.terminator.tomcat;

import io.github.terminator.test.RunningServer;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Tomcat adapter on a real server: every connector is tracked.
 */
class TomcatServerAdapterTests {

	@Test
	void whenUserAddsAConnectorThenItsConnectionsAreTrackedAndDrainedToo() throws Exception {
		try (RunningServer server = RunningServer.start(false,
				"spring.main.sources=" + AdditionalConnectorConfiguration.class.getName())) {
			server.assertIdleConnectionOnPortIsTrackedAndDrained(additionalConnectorPort(server));
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
