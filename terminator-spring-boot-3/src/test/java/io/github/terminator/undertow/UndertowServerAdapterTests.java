package io.github.terminator.undertow;

import java.net.ConnectException;
import java.net.InetSocketAddress;

import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import io.undertow.Undertow.ListenerInfo;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.embedded.undertow.UndertowBuilderCustomizer;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The Undertow adapter on a real server: every listener is tracked.
 */
class UndertowServerAdapterTests {

	@Test
	void whenUserAddsAListenerThenItsConnectionsAreTrackedAndDrainedToo() throws Exception {
		try (RunningServer server = RunningServer.start(ServerSetup.named("undertow", false),
				"spring.main.sources=" + AdditionalListenerConfiguration.class.getName())) {
			server.assertIdleConnectionOnPortIsTrackedAndDrained(additionalListenerPort(server));
			assertThatExceptionOfType(ConnectException.class)
				.isThrownBy(() -> RawConnection.open(server.port(), false));
		}
	}

	private static int additionalListenerPort(RunningServer server) {
		UndertowServletWebServer webServer = (UndertowServletWebServer) ((ServletWebServerApplicationContext) server
			.context()).getWebServer();
		for (ListenerInfo listener : webServer.getUndertow().getListenerInfo()) {
			int port = ((InetSocketAddress) listener.getAddress()).getPort();
			if (port != server.port()) {
				return port;
			}
		}
		throw new IllegalStateException("no additional listener");
	}

	@Configuration(proxyBeanMethods = false)
	static class AdditionalListenerConfiguration {

		@Bean
		UndertowBuilderCustomizer additionalListener() {
			return (builder) -> builder.addHttpListener(0, "127.0.0.1");
		}

	}

}
