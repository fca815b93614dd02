package io.github.terminator.actuate;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.github.terminator.core.ActiveRequest;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.ConnectionState;
import io.github.terminator.core.StreamRegistry;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.TerminatorSettings;
import io.github.terminator.core.TrackedConnection;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@link Endpoint @Endpoint} that shows where terminator stands: the phase, the
 * configuration, the open connections and the last result. Read-only.
 * <p>
 * The list of the open connections names client addresses and request paths, which are
 * personal data: it is shown only when {@code showDetails} allows it. A query string is
 * never shown. Durations are ISO-8601 strings truncated to the millisecond (such as
 * {@code PT0.25S}), instants ISO-8601 UTC strings, so the JSON does not depend on how the
 * application configures Jackson.
 */
@Endpoint(id = "terminator")
public class TerminatorEndpoint {

	private final Terminator terminator;

	private final String inactiveReason;

	private final Show showDetails;

	private final Set<String> roles;

	/**
	 * Creates the endpoint of a terminator.
	 * @param terminator the terminator to describe
	 * @param showDetails when to show the open connections
	 * @param roles roles that may see them when {@code showDetails} is
	 * {@link Show#WHEN_AUTHORIZED}; empty for any authenticated user
	 */
	public TerminatorEndpoint(Terminator terminator, Show showDetails, Set<String> roles) {
		this.terminator = Objects.requireNonNull(terminator, "terminator");
		this.inactiveReason = null;
		this.showDetails = Objects.requireNonNull(showDetails, "showDetails");
		this.roles = Set.copyOf(roles);
	}

	/**
	 * Creates the endpoint of an application that terminator does not drain, which says
	 * so and why.
	 * @param inactiveReason why terminator does not drain the application, as it was
	 * logged at start-up
	 */
	public TerminatorEndpoint(String inactiveReason) {
		this.terminator = null;
		this.inactiveReason = Objects.requireNonNull(inactiveReason, "inactiveReason");
		this.showDetails = Show.NEVER;
		this.roles = Set.of();
	}

	/**
	 * Describes the terminator now.
	 * @param securityContext who is asking, to decide whether to show the connections
	 * @return the description
	 */
	@ReadOperation
	public TerminatorDescriptor terminator(SecurityContext securityContext) {
		if (this.terminator == null) {
			return new TerminatorDescriptor(false, this.inactiveReason, null, null, Map.of(), 0, 0, 0, null, null);
		}
		TerminationPhase phase = this.terminator.phase();
		ConnectionRegistry registry = this.terminator.registry();
		Map<ConnectionState, Integer> byState = registry.countByState();
		int requestsInFlight = registry.requestsInFlight();
		StreamRegistry streams = registry.streams();
		int subscriptionsInFlight = streams.subscriptions();
		int streamsInFlight = streams.size();
		TerminationResult lastResult = this.terminator.lastResult();
		List<ConnectionDescriptor> connections = this.showDetails.isShown(securityContext, this.roles)
				? registry.connections().stream().map(ConnectionDescriptor::of).toList() : null;
		return new TerminatorDescriptor(true, null, phase, ConfigurationDescriptor.of(this.terminator.settings()), byState,
				requestsInFlight, streamsInFlight, subscriptionsInFlight, (lastResult != null) ? ResultDescriptor.of(lastResult) : null, connections);
	}

	private static String format(Duration duration) {
		return duration.truncatedTo(ChronoUnit.MILLIS).toString();
	}

	private static String format(Instant instant) {
		return instant.truncatedTo(ChronoUnit.MILLIS).toString();
	}

	/**
	 * What the endpoint answers.
	 *
	 * @param active whether terminator drains this application
	 * @param reason why it does not, when it does not; {@code null} otherwise
	 * @param phase the phase of the termination, {@code SERVING} until one starts;
	 * {@code null} when terminator is not active
	 * @param configuration the bounds in force; {@code null} when terminator is not active
	 * @param connectionsByState how many connections are open, in each state
	 * @param requestsInFlight how many requests are being processed
	 * @param streamsInFlight of those, how many are streams (server-sent events, streamed
	 * bodies), subscriptions included
	 * @param subscriptionsInFlight of those, how many the application declared
	 * subscriptions, to be ended when the drain starts
	 * @param lastResult what the termination did, once it has ended; {@code null} before
	 * @param connections the open connections, oldest first, when details are shown;
	 * {@code null} otherwise
	 */
	public record TerminatorDescriptor(boolean active, String reason, TerminationPhase phase, ConfigurationDescriptor configuration,
			Map<ConnectionState, Integer> connectionsByState, int requestsInFlight, int streamsInFlight,
			int subscriptionsInFlight, ResultDescriptor lastResult,
			Collection<ConnectionDescriptor> connections) implements OperationResponseBody {

	}

	/**
	 * The bounds of a termination.
	 *
	 * @param drainDelay the drain delay
	 * @param gracefulTimeout the graceful timeout
	 * @param maxWait the max-wait
	 * @param quietPeriod how long a kept-alive connection must have been idle before the
	 * drain closes it
	 */
	public record ConfigurationDescriptor(String drainDelay, String gracefulTimeout, String maxWait,
			String quietPeriod) {

		static ConfigurationDescriptor of(TerminatorSettings settings) {
			return new ConfigurationDescriptor(format(settings.drainDelay()), format(settings.gracefulTimeout()),
					format(settings.maxWait()), format(settings.quietPeriod()));
		}

	}

	/**
	 * What a termination did.
	 *
	 * @param code how it ended
	 * @param success whether every connection ended gracefully
	 * @param message one human sentence
	 * @param startedAt when it started
	 * @param endedAt when it ended
	 * @param duration how long it took
	 * @param delay how long the drain delay lasted
	 * @param drain how long the drain lasted, forcing included
	 * @param connectionsClosedIdle connections closed with no request running on them
	 * @param requestsCompleted requests completed while it ran
	 * @param connectionsCompleted connections that ended after their last response
	 * @param webSocketsClosed of those, the WebSockets, told 1001 Going Away
	 * @param streamsFinished streams that finished on their own while it ran
	 * @param subscriptionsEnded subscriptions ended when the drain started
	 * @param streamsCut streams cut at the graceful timeout or left at the max-wait
	 * @param connectionsForced connections closed by force at the graceful timeout
	 * @param connectionsLeft connections still open when it ended
	 */
	public record ResultDescriptor(TerminationCode code, boolean success, String message, String startedAt,
			String endedAt, String duration, String delay, String drain, long connectionsClosedIdle,
			long requestsCompleted, long connectionsCompleted, long webSocketsClosed, long streamsFinished,
			long subscriptionsEnded, long streamsCut, long connectionsForced, long connectionsLeft) {

		static ResultDescriptor of(TerminationResult result) {
			return new ResultDescriptor(result.code(), result.success(), result.message(), format(result.startedAt()),
					format(result.endedAt()), format(result.duration()), format(result.delay()),
					format(result.drain()), result.connectionsClosedIdle(), result.requestsCompleted(),
					result.connectionsCompleted(), result.webSocketsClosed(), result.streamsFinished(),
					result.subscriptionsEnded(), result.streamsCut(), result.connectionsForced(),
					result.connectionsLeft());
		}

	}

	/**
	 * An open connection.
	 *
	 * @param id its identifier, increasing with the order of accept
	 * @param remoteAddress the client, as {@code host:port}
	 * @param localPort the port it was accepted on
	 * @param protocol what it speaks: {@code http/1.1}, {@code websocket}, {@code h2} or
	 * {@code h2c}
	 * @param state its state
	 * @param age how long it has been open
	 * @param requestsServed how many requests completed on it
	 * @param request the request being processed, for an {@code ACTIVE} connection;
	 * {@code null} otherwise
	 */
	public record ConnectionDescriptor(long id, String remoteAddress, int localPort, String protocol,
			ConnectionState state, String age, long requestsServed, RequestDescriptor request) {

		static ConnectionDescriptor of(TrackedConnection connection) {
			ActiveRequest request = connection.currentRequest();
			return new ConnectionDescriptor(connection.id(), connection.remoteAddress(), connection.localPort(),
					connection.protocol(), connection.state(), format(connection.age()), connection.requestsServed(),
					(request != null) ? RequestDescriptor.of(request) : null);
		}

	}

	/**
	 * A request being processed.
	 *
	 * @param method the HTTP method
	 * @param path the path, never with its query string
	 * @param elapsed how long it has been running
	 */
	public record RequestDescriptor(String method, String path, String elapsed) {

		static RequestDescriptor of(ActiveRequest request) {
			return new RequestDescriptor(request.method(), request.path(), format(request.elapsed()));
		}

	}

}
