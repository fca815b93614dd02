package io.github.terminator.autoconfigure;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link InvalidTerminatorPropertyFailureAnalyzer}. The values are checked
 * before any server adapter is looked for, so no server takes part. What an application
 * prints, on each server of the line, {@code InvalidConfigurationTests} reads from the
 * console.
 */
class InvalidTerminatorPropertyFailureAnalyzerTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TerminatorAutoConfiguration.class));

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

	/**
	 * Spring Boot prints the description and the action, without the stack trace, when one
	 * of its failure analyzers explains the failure: the analyzer must be among them.
	 */
	@Test
	void applicationWithInvalidValueReportsDescriptionAndAction() {
		this.contextRunner.withPropertyValues("terminator.graceful-timeout=-1s").run((context) -> {
			FailureAnalysis analysis = analyzeAsSpringBootDoes(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).isEqualTo(
					"Invalid value '-1s' for property 'terminator.graceful-timeout': it must not be negative.");
			assertThat(analysis.getAction())
				.isEqualTo("Set terminator.graceful-timeout to 0s or more, for example 10s (the default).");
		});
	}

	/**
	 * A value that does not parse is Spring Boot's to explain: terminator lets its binding
	 * failure through.
	 */
	@Test
	void applicationWithUnparseableValueReportsTheProperty() {
		this.contextRunner.withPropertyValues("terminator.max-wait=abc").run((context) -> {
			FailureAnalysis analysis = analyzeAsSpringBootDoes(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription())
				.contains("Failed to bind properties under 'terminator.max-wait' to java.time.Duration")
				.contains("Value: \"abc\"");
			assertThat(analysis.getAction()).isNotBlank();
		});
	}

	/**
	 * Analyzes a start-up failure as a Spring Boot application does: with the failure
	 * analyzers of {@code META-INF/spring.factories}, in their order, the first analysis
	 * wins. As Spring Boot does, it leaves out the analyzers that cannot be created, those
	 * of libraries the application does not have.
	 * @return the analysis, or {@code null} when no analyzer explains the failure and
	 * Spring Boot would print the stack trace
	 */
	private static FailureAnalysis analyzeAsSpringBootDoes(Throwable failure) {
		ClassLoader classLoader = InvalidTerminatorPropertyFailureAnalyzerTests.class.getClassLoader();
		ArgumentResolver arguments = ArgumentResolver.of(BeanFactory.class, new DefaultListableBeanFactory())
			.and(Environment.class, new StandardEnvironment());
		FailureHandler leaveOut = (factoryType, factoryImplementationName, ex) -> {
		};
		List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(classLoader)
			.load(FailureAnalyzer.class, arguments, leaveOut);
		for (FailureAnalyzer analyzer : analyzers) {
			FailureAnalysis analysis = analyzer.analyze(failure);
			if (analysis != null) {
				return analysis;
			}
		}
		return null;
	}

}
