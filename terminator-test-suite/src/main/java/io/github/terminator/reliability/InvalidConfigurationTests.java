package io.github.terminator.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.terminator.autoconfigure.InvalidTerminatorPropertyException;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import io.github.terminator.test.TestApplication;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.parallel.Isolated;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Every invalid value of every property stops the application at start-up, with a
 * failure analysis that names the property and the value and says what to do, and no
 * stack trace: terminator's own analyzer for values that are empty or make no sense, Spring
 * Boot's for values that do not parse.
 */
// Reads the console, which every other application writes to.
@Isolated
@ExtendWith(OutputCaptureExtension.class)
class InvalidConfigurationTests {

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			terminator.enabled=maybe                                                                                    | Failed to bind properties under 'terminator.enabled' to java.lang.Boolean
			terminator.enabled=2                                                                                        | Failed to bind properties under 'terminator.enabled' to java.lang.Boolean
			terminator.enabled=                                                                                         | Invalid value '' for property 'terminator.enabled': it is empty.
			terminator.drain-delay=-1s                                                                                  | Invalid value '-1s' for property 'terminator.drain-delay': it must not be negative.
			terminator.drain-delay=-1                                                                                   | Invalid value '-1ms' for property 'terminator.drain-delay': it must not be negative.
			terminator.drain-delay=PT-0.5S                                                                              | Invalid value '-500ms' for property 'terminator.drain-delay': it must not be negative.
			terminator.drain-delay=                                                                                     | Invalid value '' for property 'terminator.drain-delay': it is empty.
			terminator.drain-delay=soon                                                                                 | Failed to bind properties under 'terminator.drain-delay' to java.time.Duration
			terminator.drain-delay=1.5s                                                                                 | Failed to bind properties under 'terminator.drain-delay' to java.time.Duration
			terminator.drain-delay=5 s                                                                                  | Failed to bind properties under 'terminator.drain-delay' to java.time.Duration
			terminator.drain-delay=5y                                                                                   | Failed to bind properties under 'terminator.drain-delay' to java.time.Duration
			terminator.graceful-timeout=-5s                                                                             | Invalid value '-5s' for property 'terminator.graceful-timeout': it must not be negative.
			terminator.graceful-timeout=                                                                                | Invalid value '' for property 'terminator.graceful-timeout': it is empty.
			terminator.graceful-timeout=ten seconds                                                                     | Failed to bind properties under 'terminator.graceful-timeout' to java.time.Duration
			terminator.graceful-timeout=99999999999999999999s                                                           | Failed to bind properties under 'terminator.graceful-timeout' to java.time.Duration
			terminator.max-wait=-1m                                                                                     | Invalid value '-60s' for property 'terminator.max-wait': it must not be negative.
			terminator.max-wait=5s                                                                                      | Invalid value '5s' for property 'terminator.max-wait': it must be at least terminator.drain-delay (0s) plus terminator.graceful-timeout (10s), that is 10s.
			terminator.max-wait=                                                                                        | Invalid value '' for property 'terminator.max-wait': it is empty.
			terminator.max-wait=forever                                                                                 | Failed to bind properties under 'terminator.max-wait' to java.time.Duration
			terminator.max-wait=300000d                                                                                 | Invalid value '25920000000s' for property 'terminator.max-wait': it must not be longer than a day (86400s).
			terminator.graceful-timeout=200000d, terminator.max-wait=300000d                                            | Invalid value '17280000000s' for property 'terminator.graceful-timeout': it must not be longer than a day (86400s).
			terminator.graceful-timeout=9223372036854775807ms, terminator.max-wait=9223372036854775807ms                | Invalid value '9223372036854775807ms' for property 'terminator.graceful-timeout': it must not be longer than a day (86400s).
			terminator.max-wait=9223372036854775807ns                                                                   | Invalid value 'PT2562047H47M16.854775807S' for property 'terminator.max-wait': it must not be longer than a day (86400s).
			terminator.drain-delay=25h                                                                                  | Invalid value '90000s' for property 'terminator.drain-delay': it must not be longer than a day (86400s).
			terminator.quiet-period=-1s                                                                                 | Invalid value '-1s' for property 'terminator.quiet-period': it must not be negative.
			terminator.quiet-period=                                                                                    | Invalid value '' for property 'terminator.quiet-period': it is empty.
			terminator.quiet-period=2d                                                                                  | Invalid value '172800s' for property 'terminator.quiet-period': it must not be longer than a day (86400s).
			terminator.quiet-period=a while                                                                             | Failed to bind properties under 'terminator.quiet-period' to java.time.Duration
			management.endpoint.terminator.show-details=sometimes, management.endpoints.web.exposure.include=terminator | Failed to bind properties under 'management.endpoint.terminator.show-details'
			terminator.subscriptions[0]=/events/**, terminator.subscriptions[1]=/feeds/{id                                | Invalid value '/feeds/{id' for property 'terminator.subscriptions[1]': it is not a path pattern
			terminator.complete-emitters=true                                                                           | Invalid value 'true' for property 'terminator.complete-emitters': it was removed
			""")
	void invalidValueStopsStartUpWithAMessageThatNamesIt(String properties, String description, CapturedOutput output) {
		for (ServerSetup.Server server : ServerSetup.servers()) {
			assertThatException().isThrownBy(() -> new SpringApplicationBuilder(TestApplication.class,
					server.configuration())
				.web(WebApplicationType.SERVLET)
				.properties("server.port=0", "spring.main.banner-mode=off")
				.properties(properties.split(", "))
				.run()
				.close());
		}
		List<String> analyses = analyses(output.getAll());
		assertThat(analyses).hasSize(ServerSetup.servers().size())
			.allSatisfy((analysis) -> assertThat(analysis).startsWith("Description:\n\n" + description)
				.contains("\n\nAction:\n\n")
				.doesNotContain("\tat "));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#plain")
	void invalidValueStopsStartUpBeforeTheServerIsCreated(ServerSetup setup, CapturedOutput output) {
		assertThatException().isThrownBy(() -> new SpringApplicationBuilder(TestApplication.class,
				setup.server().configuration())
			.web(WebApplicationType.SERVLET)
			.properties("server.port=0", "spring.main.banner-mode=off", "terminator.max-wait=1s")
			.run()
			.close());
		assertThat(output).contains("APPLICATION FAILED TO START")
			.doesNotContain("initialized with port")
			.doesNotContain("\tat ");
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			terminator.drain-delay=-1s | terminator.drain-delay | -1s | it must not be negative | Set terminator.drain-delay to 0s or more
			terminator.drain-delay=25s | terminator.max-wait | 30s | it must be at least terminator.drain-delay (25s) plus terminator.graceful-timeout (10s), that is 35s | Set terminator.max-wait to 35s or more, or shorten terminator.drain-delay or terminator.graceful-timeout.
			terminator.drain-delay=5s,terminator.max-wait=12s | terminator.max-wait | 12s | that is 15s | Set terminator.max-wait to 15s or more
			""")
	void whenBoundsCannotHoldThenStartUpFailsWithTheAnalyzersMessage(String properties, String property,
			String value, String reason, String action, CapturedOutput output) {
		assertThatException().isThrownBy(() -> RunningServer.start(false, properties.split(",")))
			.havingRootCause()
			.isInstanceOfSatisfying(InvalidTerminatorPropertyException.class,
					(ex) -> assertThat(ex.getProperty()).isEqualTo(property));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Invalid value '" + value + "' for property '" + property + "': ")
			.contains(reason)
			.contains("Action:")
			.contains(action);
	}

	/**
	 * The failure analyses in the output: from the description to the end of the action.
	 */
	private static List<String> analyses(String output) {
		List<String> analyses = new ArrayList<>();
		Matcher matcher = Pattern.compile("APPLICATION FAILED TO START\\n\\*+\\n\\n(Description:.*?\\n\\nAction:\\n\\n.*?)\\n\\n",
				Pattern.DOTALL)
			.matcher(output);
		while (matcher.find()) {
			analyses.add(matcher.group(1));
		}
		return analyses;
	}

}
