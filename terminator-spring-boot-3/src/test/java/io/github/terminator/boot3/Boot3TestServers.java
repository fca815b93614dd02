package io.github.terminator.boot3;

import java.time.Duration;
import java.util.List;

import io.github.terminator.test.ServerSetup.Server;
import io.github.terminator.test.TestServers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.websocket.servlet.JettyWebSocketServletWebServerCustomizer;
import org.springframework.boot.autoconfigure.websocket.servlet.TomcatWebSocketServletWebServerCustomizer;
import org.springframework.boot.autoconfigure.websocket.servlet.UndertowWebSocketServletWebServerCustomizer;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory;
import org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.embedded.netty.NettyServerCustomizer;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.embedded.undertow.UndertowBuilderCustomizer;
import org.springframework.boot.web.embedded.undertow.UndertowDeploymentInfoCustomizer;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The servers of Spring Boot 3.5 the shared suites run against.
 */
public class Boot3TestServers implements TestServers {

	@Override
	public List<Server> servers() {
		return List.of(
				new Server("tomcat", TomcatServer.class, null, "TomcatServerAdapter", List.of("/org/apache/tomcat/"),
						List.of(), List.of("server.tomcat.threads.max=1", "server.tomcat.threads.min-spare=1"), true, true),
				// Undertow says so on every kept-alive response, starter or not.
				new Server("undertow", UndertowServer.class, "keep-alive", "UndertowServerAdapter",
						List.of("/io/undertow/", "/org/jboss/xnio/"), List.of(),
						List.of("server.undertow.threads.worker=1"), true, false),
				new Server("jetty", JettyServer.class, null, "JettyServerAdapter", List.of("/org/eclipse/jetty/"),
						List.of(), List.of(), false, true),
				new Server("netty", ReactorNettyServer.class, null, "ReactorNettyServerAdapter",
						List.of("/io/projectreactor/netty/"), List.of(), List.of(), false, true, true));
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

		/**
		 * The WebSocket container, which Spring Boot sets up for the first server found
		 * on the class path only, Tomcat here; its upgrade filter it adds for Jetty.
		 */
		@Bean
		JettyWebSocketServletWebServerCustomizer jettyWebSocketCustomizer() {
			return new JettyWebSocketServletWebServerCustomizer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TomcatServer {

		@Bean
		TomcatServletWebServerFactory tomcatServletWebServerFactory() {
			return new TomcatServletWebServerFactory();
		}

		/**
		 * The WebSocket container, which Spring Boot sets up for the first server found
		 * on the class path only.
		 */
		@Bean
		TomcatWebSocketServletWebServerCustomizer tomcatWebSocketCustomizer() {
			return new TomcatWebSocketServletWebServerCustomizer();
		}

	}

	/**
	 * Undertow as Spring Boot configures it, builder and deployment customizers included.
	 */
	@Configuration(proxyBeanMethods = false)
	static class UndertowServer {

		@Bean
		UndertowServletWebServerFactory undertowServletWebServerFactory(
				ObjectProvider<UndertowBuilderCustomizer> builderCustomizers,
				ObjectProvider<UndertowDeploymentInfoCustomizer> deploymentInfoCustomizers) {
			UndertowServletWebServerFactory factory = new UndertowServletWebServerFactory();
			factory.getBuilderCustomizers().addAll(builderCustomizers.orderedStream().toList());
			factory.getDeploymentInfoCustomizers().addAll(deploymentInfoCustomizers.orderedStream().toList());
			return factory;
		}

		@Bean
		UndertowWebSocketServletWebServerCustomizer undertowWebSocketCustomizer() {
			return new UndertowWebSocketServletWebServerCustomizer();
		}

	}

}
