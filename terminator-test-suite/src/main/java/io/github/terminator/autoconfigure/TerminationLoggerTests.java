package io.github.terminator.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.FilterReply;
import io.github.terminator.core.ActiveRequest;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TerminationLogger}, as its log events reach Logback: the applications
 * of the tests running beside log their terminations to the console too.
 */
class TerminationLoggerTests {

	private static final Instant START = Instant.parse("2025-01-01T10:00:00Z");

	private static final ActiveRequest OLDEST = new ActiveRequest("POST", "/orders/42", START.minusSeconds(20), 0);

	private final TerminationLogger logger = new TerminationLogger();

	private final Logger log = logbackLogger();

	private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

	/**
	 * Keeps what this test's thread logs: the terminations of applications running beside
	 * go through the same logger.
	 */
	@BeforeEach
	void recordWhatThisThreadLogs() {
		Thread thread = Thread.currentThread();
		this.lines.addFilter(new Filter<>() {

			@Override
			public FilterReply decide(ILoggingEvent event) {
				return (Thread.currentThread() == thread) ? FilterReply.NEUTRAL : FilterReply.DENY;
			}

		});
		this.lines.start();
		this.log.addAppender(this.lines);
	}

	@AfterEach
	void stopRecording() {
		this.log.detachAppender(this.lines);
	}

	@Test
	void logsGracefulTerminationInOneInfoLine() {
		this.logger.terminated(result(TerminationCode.TERMINATED, "Every connection ended gracefully in 350 ms.", 0,
				null, null));
		assertThat(this.lines.list).singleElement().satisfies((line) -> {
			assertThat(line.getLevel()).isEqualTo(Level.INFO);
			assertThat(line.getFormattedMessage())
				.contains("Termination TERMINATED in 350 ms (delay 0 ms, drain 350 ms): 3 idle connections closed, "
						+ "2 requests completed, 0 connections forced. Every connection ended gracefully in 350 ms.")
				.doesNotContain("Oldest request cut");
		});
	}

	@Test
	void countsOneOfEachInTheSingular() {
		this.logger.terminated(new TerminationResult(TerminationCode.FORCED, "1 connection closed by force.", null, START,
				START.plusMillis(350), Duration.ZERO, Duration.ofMillis(350), 1, 1, 1, 1, 1, 1, 1, 1, 0, OLDEST));
		assertThat(this.lines.list).singleElement()
			.satisfies((line) -> assertThat(line.getFormattedMessage()).contains("1 idle connection closed, "
					+ "1 request completed, 1 WebSocket closed, 1 stream finished, 1 subscription ended, 1 stream cut, "
					+ "1 connection forced."));
	}

	@ParameterizedTest
	@EnumSource(names = { "FORCED", "TIMED_OUT" })
	void logsCutTerminationInOneWarnLineNamingTheOldestRequestCut(TerminationCode code) {
		this.logger.terminated(result(code, "2 connections were cut.", 2, OLDEST, null));
		assertThat(this.lines.list).singleElement().satisfies((line) -> {
			assertThat(line.getLevel()).isEqualTo(Level.WARN);
			assertThat(line.getFormattedMessage()).contains("Termination " + code + " in 350 ms")
				.contains("2 connections forced. 2 connections were cut.")
				.contains("Oldest request cut: POST /orders/42 started at 2025-01-01T09:59:40Z.");
		});
	}

	@Test
	void logsFailedTerminationAsErrorWithItsException() {
		this.logger.terminated(result(TerminationCode.SERVER_ERROR,
				"The server failed while closing: java.io.IOException: boom.", 0, null,
				new IOException("boom")));
		assertThat(this.lines.list).singleElement().satisfies((line) -> {
			assertThat(line.getLevel()).isEqualTo(Level.ERROR);
			assertThat(line.getFormattedMessage()).contains("Termination SERVER_ERROR in 350 ms");
			assertThat(line.getThrowableProxy().getClassName()).isEqualTo("java.io.IOException");
			assertThat(line.getThrowableProxy().getMessage()).isEqualTo("boom");
		});
	}

	private static TerminationResult result(TerminationCode code, String message, long forced,
			ActiveRequest oldestRequestCut, Throwable error) {
		return new TerminationResult(code, message, error, START, START.plusMillis(350), Duration.ZERO,
				Duration.ofMillis(350), 3, 2, 2, 0, 0, 0, 0, forced, 0, oldestRequestCut);
	}

	/**
	 * The logger as Logback has it. SLF4J hands out stand-ins while another thread is
	 * initializing it, as the tests starting beside this one may be.
	 */
	private static Logger logbackLogger() {
		return (Logger) await().atMost(Duration.ofSeconds(10))
			.until(() -> LoggerFactory.getLogger(TerminationLogger.class), Logger.class::isInstance);
	}

}
