package io.github.terminator.autoconfigure;

import io.github.terminator.boot3.TomcatTerminatorAutoConfiguration;
import io.github.terminator.boot3.UndertowTerminatorAutoConfiguration;
import io.github.terminator.test.TestApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.parallel.Isolated;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests for {@link InvalidTerminatorPropertyFailureAnalyzer}.
 */
// Reads the console, which every other application writes to.
@Isolated
@ExtendWith(OutputCaptureExtension.class)
class InvalidTerminatorPropertyFailureAnalyzerTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(ServletWebServerFactoryAutoConfiguration.class, TomcatTerminatorAutoConfiguration.class, UndertowTerminatorAutoConfiguration.class,
					TerminatorAutoConfiguration.class));

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			terminator.drain-delay=-1s                                  | terminator.drain-delay      | -1s     | Set terminator.drain-delay to 0s or more
			terminator.drain-delay=-250ms                               | terminator.drain-delay      | -250ms  | Set terminator.drain-delay to 0s or more
			terminator.graceful-timeout=-5s                             | terminator.graceful-timeout | -5s     | Set terminator.graceful-timeout to 0s or more
			terminator.max-wait=-1s                                     | terminator.max-wait         | -1s     | Set terminator.max-wait to 0s or more
			terminator.max-wait=5s                                      | terminator.max-wait         | 5s      | Set terminator.max-wait to 10s or more
			terminator.drain-delay=20s, terminator.max-wait=25s         | terminator.max-wait         | 25s     | Set terminator.max-wait to 30s or more
			terminator.graceful-timeout=1m, terminator.max-wait=59999ms | terminator.max-wait         | 59999ms | Set terminator.max-wait to 60s or more
			""")
	void failsStartUpNamingThePropertyTheValueAndTheFix(String properties, String property, String value,
			String fix) {
		this.contextRunner.withPropertyValues(properties.split(", ")).run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new InvalidTerminatorPropertyFailureAnalyzer()
				.analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription())
				.startsWith("Invalid value '" + value + "' for property '" + property + "': ");
			assertThat(analysis.getAction()).startsWith(fix);
			assertThat(analysis.getCause()).isInstanceOf(InvalidTerminatorPropertyException.class);
		});
	}

	@Test
	void explainsMaxWaitShorterThanDelayPlusGracefulTimeoutWithTheMinimum() {
		this.contextRunner
			.withPropertyValues("terminator.drain-delay=5s", "terminator.graceful-timeout=15s",
					"terminator.max-wait=10s")
			.run((context) -> {
				FailureAnalysis analysis = new InvalidTerminatorPropertyFailureAnalyzer()
					.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).isEqualTo("Invalid value '10s' for property "
						+ "'terminator.max-wait': it must be at least terminator.drain-delay (5s) plus "
						+ "terminator.graceful-timeout (15s), that is 20s.");
				assertThat(analysis.getAction()).isEqualTo("Set terminator.max-wait to 20s or more, or shorten "
						+ "terminator.drain-delay or terminator.graceful-timeout.");
			});
	}

	@Test
	void applicationWithInvalidValueReportsDescriptionAndActionWithoutStackTrace(CapturedOutput output) {
		assertThatException().isThrownBy(() -> run("terminator.graceful-timeout=-1s"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Description:\n\nInvalid value '-1s' for property 'terminator.graceful-timeout': "
					+ "it must not be negative.\n")
			.contains("Action:\n\nSet terminator.graceful-timeout to 0s or more, for example 10s (the default).\n")
			.doesNotContain("\tat ");
	}

	@Test
	void applicationWithUnparseableValueReportsThePropertyWithoutStackTrace(CapturedOutput output) {
		assertThatException().isThrownBy(() -> run("terminator.max-wait=abc"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Failed to bind properties under 'terminator.max-wait' to java.time.Duration")
			.contains("Value: \"abc\"")
			.contains("Action:")
			.doesNotContain("\tat ");
	}

	private static void run(String property) {
		new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.SERVLET)
			.properties("server.port=0", "spring.main.banner-mode=off", property)
			.run()
			.close();
	}

}
