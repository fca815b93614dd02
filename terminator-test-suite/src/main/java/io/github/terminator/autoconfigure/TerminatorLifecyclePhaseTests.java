package io.github.terminator.autoconfigure;

import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.context.SmartLifecycle;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The termination runs in the shutdown phase right above Spring Boot's graceful shutdown
 * of the web server, on every Boot line: stopped right before it, and after every bean
 * of a higher phase. {@link TerminatorLifecycle#PHASE} is compiled from Spring Boot 3.5's
 * constant; Spring Boot 4 names it elsewhere.
 */
class TerminatorLifecyclePhaseTests {

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#plain")
	void theTerminationStopsRightBeforeSpringBootsGracefulShutdown(ServerSetup setup) {
		try (RunningServer server = RunningServer.start(setup)) {
			SmartLifecycle gracefulShutdown = server.context().getBean("webServerGracefulShutdown", SmartLifecycle.class);
			TerminatorLifecycle termination = server.context().getBean(TerminatorLifecycle.class);
			assertThat(termination.getPhase()).isEqualTo(gracefulShutdown.getPhase() + 1);
		}
	}

}
