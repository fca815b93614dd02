package io.github.terminator.boot3;

import io.github.terminator.test.InactiveStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;

/**
 * On a stack terminator does not drain, it says so once at start-up, and its endpoint
 * reports the same: never silent.
 */
@ExtendWith(OutputCaptureExtension.class)
class InactiveTerminatorTests {

	@Test
	void whenTheApplicationIsReactiveThenTerminatorWarnsAndTheEndpointSaysSo(CapturedOutput output) throws Exception {
		InactiveStack.assertWarnedAndReported(ReactiveTomcat.class, WebApplicationType.REACTIVE, output,
				"it found " + TomcatReactiveWebServerFactory.class.getName()
						+ ", a reactive web application, on Spring Boot 3.5");
	}

	@Test
	void whenTheServerIsNotSupportedThenTerminatorWarnsAndTheEndpointSaysSo(CapturedOutput output) throws Exception {
		InactiveStack.assertWarnedAndReported(ServletJetty.class, WebApplicationType.SERVLET, output,
				"it found " + JettyServletWebServerFactory.class.getName()
						+ ", a servlet web application, on Spring Boot 3.5");
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ReactiveTomcat {

		@Bean
		TomcatReactiveWebServerFactory tomcatReactiveWebServerFactory() {
			return new TomcatReactiveWebServerFactory();
		}

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	// Its WebSocket support wants Jetty's own factory set-up, which this test does not need.
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.autoconfigure.websocket.servlet.WebSocketServletAutoConfiguration")
	static class ServletJetty {

		@Bean
		JettyServletWebServerFactory jettyServletWebServerFactory() {
			return new JettyServletWebServerFactory();
		}

	}

}
