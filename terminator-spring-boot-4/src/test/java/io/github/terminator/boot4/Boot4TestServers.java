package io.github.terminator.boot4;

import java.util.List;

import io.github.terminator.test.ServerSetup.Server;
import io.github.terminator.test.TestServers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The servers of Spring Boot 4 the shared suites run against.
 */
public class Boot4TestServers implements TestServers {

	private static final String EXCLUDE = "spring.autoconfigure.exclude=";

	private static final String TOMCAT_MANAGEMENT = "org.springframework.boot.tomcat.autoconfigure.actuate.web.server.TomcatServletManagementContextAutoConfiguration";

	private static final String JETTY_MANAGEMENT = "org.springframework.boot.jetty.autoconfigure.actuate.web.server.JettyServletManagementContextAutoConfiguration";

	@Override
	public List<Server> servers() {
		// Each server's management context auto-configuration defines the same bean: only
		// the one of the server the application runs on may be on.
		return List.of(
				new Server("tomcat", TomcatServer.class, null, "TomcatServerAdapter", List.of("/org/apache/tomcat/"),
						List.of(EXCLUDE + JETTY_MANAGEMENT),
						List.of("server.tomcat.threads.max=1", "server.tomcat.threads.min-spare=1"), true, true),
				new Server("jetty", JettyServer.class, null, "JettyServerAdapter", List.of("/org/eclipse/jetty/"),
						List.of(EXCLUDE + TOMCAT_MANAGEMENT), List.of(), false, true));
	}

	/**
	 * Jetty as Spring Boot configures it, its WebSocket support included.
	 */
	@Configuration(proxyBeanMethods = false)
	static class JettyServer {

		@Bean
		JettyServletWebServerFactory jettyServletWebServerFactory(ObjectProvider<JettyServerCustomizer> customizers) {
			JettyServletWebServerFactory factory = new JettyServletWebServerFactory();
			factory.getServerCustomizers().addAll(customizers.orderedStream().toList());
			return factory;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TomcatServer {

		@Bean
		TomcatServletWebServerFactory tomcatServletWebServerFactory() {
			return new TomcatServletWebServerFactory();
		}

	}

}
