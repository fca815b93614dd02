package io.github.terminator.core;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What a termination did. Immutable.
 *
 * @param code how it ended
 * @param message one human sentence
 * @param error the exception, for {@link TerminationCode#SERVER_ERROR} and
 * {@link TerminationCode#INTERNAL_ERROR}; {@code null} otherwise
 * @param startedAt when it started
 * @param endedAt when it ended
 * @param delay how long the drain delay lasted
 * @param drain how long the drain lasted, forcing included
 * @param connectionsClosedIdle connections that ended while no request was running on them,
 * closed by the drain or by their client
 * @param requestsCompleted requests that completed while the termination ran
 * @param connectionsCompleted connections that ended after their last response while the
 * termination ran, closed by the server or by the client
 * @param webSocketsClosed of the {@code connectionsCompleted}, the WebSocket connections,
 * told that the server is going away (1001) or closed by their client
 * @param streamsFinished streams (server-sent events, streamed bodies) that finished on their own
 * while the termination ran; counted in {@code requestsCompleted} too
 * @param subscriptionsEnded streams the application declared subscriptions, ended cleanly
 * when the drain started; counted in {@code requestsCompleted} too
 * @param streamsCut streams still running at the graceful timeout, cut with their
 * connections, or left at the max-wait
 * @param connectionsForced connections closed by force at the graceful timeout
 * @param connectionsLeft connections still open when it ended
 * @param oldestRequestCut the oldest request that was still running when connections were
 * forced or the max-wait was reached; {@code null} otherwise
 */
public record TerminationResult(TerminationCode code, String message, @Nullable Throwable error, Instant startedAt,
		Instant endedAt, Duration delay, Duration drain, long connectionsClosedIdle, long requestsCompleted,
		long connectionsCompleted, long webSocketsClosed, long streamsFinished, long subscriptionsEnded,
		long streamsCut, long connectionsForced, long connectionsLeft, @Nullable ActiveRequest oldestRequestCut) {

	/**
	 * Whether every connection ended gracefully.
	 * @return {@code true} only for {@link TerminationCode#TERMINATED}
	 */
	public boolean success() {
		return this.code == TerminationCode.TERMINATED;
	}

	/**
	 * How long the whole termination took.
	 * @return the time from start to end
	 */
	public Duration duration() {
		return Duration.between(this.startedAt, this.endedAt);
	}

}
