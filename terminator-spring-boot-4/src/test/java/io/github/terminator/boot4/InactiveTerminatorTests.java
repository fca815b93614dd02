package io.github.terminator.boot4;

import io.github.terminator.test.InactiveStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Isolated;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.tomcat.reactive.TomcatReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;

/**
 * On a stack terminator does not drain, it says so once at start-up, and its endpoint
 * reports the same: never silent. Spring Boot 4's servers are all drained; a reactive
 * application is not.
 */
// Reads the console, which every other application writes to.
@Isolated
@ExtendWith(OutputCaptureExtension.class)
class InactiveTerminatorTests {

	@Test
	void whenTheApplicationIsReactiveThenTerminatorWarnsAndTheEndpointSaysSo(CapturedOutput output) throws Exception {
		InactiveStack.assertWarnedAndReported(ReactiveTomcat.class, WebApplicationType.REACTIVE, output,
				"it found " + TomcatReactiveWebServerFactory.class.getName()
						+ ", a reactive web application, on Spring Boot 4");
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ReactiveTomcat {

		@Bean
		TomcatReactiveWebServerFactory tomcatReactiveWebServerFactory() {
			return new TomcatReactiveWebServerFactory();
		}

	}

}
