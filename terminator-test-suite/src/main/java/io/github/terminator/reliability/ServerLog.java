package io.github.terminator.reliability;

import java.util.List;
import java.util.function.Predicate;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every error the application's logging sees, from the starter and the server alike:
 * an exception thrown by the starter inside a server's thread ends up here. Attach it
 * once the application has started, as Spring Boot resets logging when it starts.
 */
final class ServerLog implements AutoCloseable {

	private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

	private final ListAppender<ILoggingEvent> events = new ListAppender<>();

	private ServerLog() {
		this.events.start();
		this.root.addAppender(this.events);
	}

	static ServerLog attach() {
		return new ServerLog();
	}

	/**
	 * Asserts that nothing was logged at ERROR, and nothing with an exception, but what
	 * {@code expected} allows.
	 * @param expected the errors the test provoked on purpose
	 */
	void assertNoErrorBut(Predicate<Throwable> expected) {
		List<String> errors = this.events.list.stream()
			.filter((event) -> event.getLevel().isGreaterOrEqual(Level.ERROR) || event.getThrowableProxy() != null)
			.filter((event) -> !(event.getThrowableProxy() instanceof ThrowableProxy proxy
					&& expected.test(proxy.getThrowable())))
			.map((event) -> event.getLoggerName() + ": " + event.getFormattedMessage()
					+ ((event.getThrowableProxy() != null) ? " " + event.getThrowableProxy().getClassName() + ": "
							+ event.getThrowableProxy().getMessage() : ""))
			.toList();
		assertThat(errors).as("errors logged").isEmpty();
	}

	void assertNoError() {
		assertNoErrorBut((ex) -> false);
	}

	@Override
	public void close() {
		this.root.detachAppender(this.events);
	}

}
