package io.github.terminator.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.github.terminator.core.ActiveRequest;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.parallel.Isolated;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TerminationLogger}.
 */
// Reads the console, which every other application writes to.
@Isolated
@ExtendWith(OutputCaptureExtension.class)
class TerminationLoggerTests {

	private static final Instant START = Instant.parse("2025-01-01T10:00:00Z");

	private static final ActiveRequest OLDEST = new ActiveRequest("POST", "/orders/42", START.minusSeconds(20), 0);

	private final TerminationLogger logger = new TerminationLogger();

	@Test
	void logsGracefulTerminationInOneInfoLine(CapturedOutput output) {
		this.logger.terminated(result(TerminationCode.TERMINATED, "Every connection ended gracefully in 350 ms.", 0,
				null, null));
		assertThat(terminationLines(output)).singleElement()
			.satisfies((line) -> assertThat(line).contains("INFO")
				.contains("Termination TERMINATED in 350 ms (delay 0 ms, drain 350 ms): 3 idle connections closed, "
						+ "2 requests completed, 0 connections forced. Every connection ended gracefully in 350 ms.")
				.doesNotContain("Oldest request cut"));
	}

	@Test
	void countsOneOfEachInTheSingular(CapturedOutput output) {
		this.logger.terminated(new TerminationResult(TerminationCode.FORCED, "1 connection closed by force.", null, START,
				START.plusMillis(350), Duration.ZERO, Duration.ofMillis(350), 1, 1, 1, 1, 1, 1, 1, 1, 0, OLDEST));
		assertThat(terminationLines(output)).singleElement()
			.satisfies((line) -> assertThat(line).contains("1 idle connection closed, 1 request completed, "
					+ "1 WebSocket closed, 1 stream finished, 1 subscription ended, 1 stream cut, 1 connection forced."));
	}

	@ParameterizedTest
	@EnumSource(names = { "FORCED", "TIMED_OUT" })
	void logsCutTerminationInOneWarnLineNamingTheOldestRequestCut(TerminationCode code, CapturedOutput output) {
		this.logger.terminated(result(code, "2 connections were cut.", 2, OLDEST, null));
		assertThat(terminationLines(output)).singleElement()
			.satisfies((line) -> assertThat(line).contains("WARN")
				.contains("Termination " + code + " in 350 ms")
				.contains("2 connections forced. 2 connections were cut.")
				.contains("Oldest request cut: POST /orders/42 started at 2025-01-01T09:59:40Z."));
	}

	@Test
	void logsFailedTerminationAsErrorWithItsException(CapturedOutput output) {
		this.logger.terminated(result(TerminationCode.SERVER_ERROR,
				"The server failed while closing: java.io.IOException: boom.", 0, null,
				new IOException("boom")));
		assertThat(terminationLines(output)).singleElement()
			.satisfies((line) -> assertThat(line).contains("ERROR").contains("Termination SERVER_ERROR in 350 ms"));
		assertThat(output).contains("java.io.IOException: boom");
	}

	private static List<String> terminationLines(CapturedOutput output) {
		return output.getAll().lines().filter((line) -> line.contains("Termination ")).toList();
	}

	private static TerminationResult result(TerminationCode code, String message, long forced,
			ActiveRequest oldestRequestCut, Throwable error) {
		return new TerminationResult(code, message, error, START, START.plusMillis(350), Duration.ZERO,
				Duration.ofMillis(350), 3, 2, 2, 0, 0, 0, 0, forced, 0, oldestRequestCut);
	}

}
