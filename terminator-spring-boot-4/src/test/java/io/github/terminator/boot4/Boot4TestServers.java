package io.github.terminator.boot4;

import java.time.Duration;
import java.util.List;

import io.github.terminator.test.ServerSetup.Server;
import io.github.terminator.test.TestServers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The servers of Spring Boot 4 the shared suites run against.
 */
public class Boot4TestServers implements TestServers {

	private static final String EXCLUDE = "spring.autoconfigure.exclude=";

	private static final String TOMCAT_MANAGEMENT = "org.springframework.boot.tomcat.autoconfigure.actuate.web.server.TomcatServletManagementContextAutoConfiguration";

	private static final String JETTY_MANAGEMENT = "org.springframework.boot.jetty.autoconfigure.actuate.web.server.JettyServletManagementContextAutoConfiguration";

	private static final String TOMCAT_REACTIVE_MANAGEMENT = "org.springframework.boot.tomcat.autoconfigure.actuate.web.server.TomcatReactiveManagementContextAutoConfiguration";

	private static final String JETTY_REACTIVE_MANAGEMENT = "org.springframework.boot.jetty.autoconfigure.actuate.web.server.JettyReactiveManagementContextAutoConfiguration";

	@Override
	public List<Server> servers() {
		// Each server's management context auto-configuration defines the same bean: only
		// the one of the server the application runs on may be on.
		return List.of(
				new Server("tomcat", TomcatServer.class, null, "TomcatServerAdapter", List.of("/org/apache/tomcat/"),
						List.of(EXCLUDE + JETTY_MANAGEMENT),
						List.of("server.tomcat.threads.max=1", "server.tomcat.threads.min-spare=1"), true, true),
				new Server("jetty", JettyServer.class, null, "JettyServerAdapter", List.of("/org/eclipse/jetty/"),
						List.of(EXCLUDE + TOMCAT_MANAGEMENT), List.of(), false, true),
				new Server("netty", ReactorNettyServer.class, null, "ReactorNettyServerAdapter",
						List.of("/io/projectreactor/netty/"),
						List.of(EXCLUDE + TOMCAT_REACTIVE_MANAGEMENT + "," + JETTY_REACTIVE_MANAGEMENT), List.of(), false,
						true, true));
	}

	/**
	 * Reactor Netty as Spring Boot configures it, but for its loop resources: its own, not
	 * the JVM's global ones that Spring Boot uses, which the first application to stop
	 * would shut down under the others running beside it in the test JVM. Their quiet
	 * period is {@code spring.reactor.netty.shutdown-quiet-period} where it is set, as
	 * Spring Boot's, and terminator's otherwise.
	 */
	@Configuration(proxyBeanMethods = false)
	static class ReactorNettyServer {

		@Bean
		ReactorResourceFactory reactorResourceFactory(
				@Value("${spring.reactor.netty.shutdown-quiet-period:#{null}}") Duration quietPeriod) {
			ReactorResourceFactory resources = new ReactorResourceFactory();
			resources.setUseGlobalResources(false);
			if (quietPeriod != null) {
				resources.setShutdownQuietPeriod(quietPeriod);
			}
			return resources;
		}

		@Bean
		NettyReactiveWebServerFactory nettyReactiveWebServerFactory(ReactorResourceFactory resourceFactory,
				ObjectProvider<NettyServerCustomizer> customizers) {
			NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory();
			factory.setResourceFactory(resourceFactory);
			factory.getServerCustomizers().addAll(customizers.orderedStream().toList());
			return factory;
		}

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
