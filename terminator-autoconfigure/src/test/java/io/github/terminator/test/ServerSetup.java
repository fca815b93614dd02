package io.github.terminator.test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.embedded.undertow.UndertowBuilderCustomizer;
import org.springframework.boot.web.embedded.undertow.UndertowDeploymentInfoCustomizer;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * One embedded server over HTTP or HTTPS: what every conformance test runs against.
 * Supporting one more server is one more {@link Server} constant.
 *
 * @param server the embedded server
 * @param tls whether it serves HTTPS
 */
public record ServerSetup(Server server, boolean tls) {

	/**
	 * Every server, over HTTP and HTTPS: the {@code @MethodSource} of conformance tests.
	 * @return each setup
	 */
	public static Stream<ServerSetup> all() {
		List<ServerSetup> setups = new ArrayList<>();
		for (Server server : Server.values()) {
			setups.add(new ServerSetup(server, false));
			setups.add(new ServerSetup(server, true));
		}
		return setups.stream();
	}

	/**
	 * Every server, over HTTP only.
	 * @return each setup
	 */
	public static Stream<ServerSetup> plain() {
		return all().filter((setup) -> !setup.tls());
	}

	/**
	 * Every combination of the setups with the arguments of a test.
	 * @param arguments the other arguments, each an array of values
	 * @return the arguments, each followed by a setup
	 */
	public static Stream<Arguments> withEach(Object[]... arguments) {
		return all().flatMap((setup) -> Stream.of(arguments).map((values) -> {
			Object[] all = new Object[values.length + 1];
			System.arraycopy(values, 0, all, 0, values.length);
			all[values.length] = setup;
			return Arguments.of(all);
		}));
	}

	@Override
	public String toString() {
		return this.server.name().toLowerCase() + (this.tls ? " https" : " http");
	}

	/**
	 * The embedded servers terminator supports.
	 */
	public enum Server {

		TOMCAT(TomcatServer.class, null),

		/** Undertow says so on every kept-alive response, starter or not. */
		UNDERTOW(UndertowServer.class, "keep-alive");

		private final Class<?> configuration;

		private final String keepAliveHeader;

		Server(Class<?> configuration, String keepAliveHeader) {
			this.configuration = configuration;
			this.keepAliveHeader = keepAliveHeader;
		}

		/**
		 * The {@code Connection} header of a kept-alive response to an HTTP/1.1 request,
		 * as the server sends it by itself.
		 * @return the header's value, or {@code null} when the server sends none
		 */
		public String keepAliveHeader() {
			return this.keepAliveHeader;
		}

		/**
		 * The configuration that makes an application run on this server, whatever else
		 * is on the class path.
		 * @return a configuration class
		 */
		public Class<?> configuration() {
			return this.configuration;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TomcatServer {

		@Bean
		TomcatServletWebServerFactory tomcatServletWebServerFactory() {
			return new TomcatServletWebServerFactory();
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

	}

}
