package io.github.terminator.autoconfigure;

import io.github.terminator.core.ActiveRequest;
import io.github.terminator.core.TerminationListener;
import io.github.terminator.core.TerminationResult;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Logs each termination in one line: INFO when it ended gracefully, WARN when
 * connections were forced or it did not finish.
 */
class TerminationLogger implements TerminationListener {

	private static final Log logger = LogFactory.getLog(TerminationLogger.class);

	@Override
	public void terminated(TerminationResult result) {
		StringBuilder line = new StringBuilder("Termination ").append(result.code())
			.append(" in ")
			.append(result.duration().toMillis())
			.append(" ms (delay ")
			.append(result.delay().toMillis())
			.append(" ms, drain ")
			.append(result.drain().toMillis())
			.append(" ms): ")
			.append(count(result.connectionsClosedIdle(), "idle connection", "idle connections"))
			.append(" closed, ")
			.append(count(result.requestsCompleted(), "request", "requests"))
			.append(" completed, ");
		// WebSockets and streams only where there are any: most applications have none.
		if (result.webSocketsClosed() > 0) {
			line.append(count(result.webSocketsClosed(), "WebSocket", "WebSockets")).append(" closed, ");
		}
		if (result.streamsFinished() > 0) {
			line.append(count(result.streamsFinished(), "stream", "streams")).append(" finished, ");
		}
		if (result.subscriptionsEnded() > 0) {
			line.append(count(result.subscriptionsEnded(), "subscription", "subscriptions")).append(" ended, ");
		}
		if (result.streamsCut() > 0) {
			line.append(count(result.streamsCut(), "stream", "streams")).append(" cut, ");
		}
		line.append(count(result.connectionsForced(), "connection", "connections"))
			.append(" forced. ")
			.append(result.message());
		ActiveRequest oldest = result.oldestRequestCut();
		if (oldest != null) {
			line.append(" Oldest request cut: ")
				.append(oldest.method())
				.append(' ')
				.append(oldest.path())
				.append(" started at ")
				.append(oldest.startedAt())
				.append('.');
		}
		switch (result.code()) {
			case TERMINATED -> logger.info(line);
			case FORCED, TIMED_OUT -> logger.warn(line);
			default -> logger.error(line, result.error());
		}
	}

	private static String count(long count, String one, String many) {
		return count + " " + ((count == 1) ? one : many);
	}

}
