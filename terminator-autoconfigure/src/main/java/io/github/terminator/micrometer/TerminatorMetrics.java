package io.github.terminator.micrometer;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.ConnectionState;
import io.github.terminator.core.StreamRegistry;
import io.github.terminator.core.TerminationListener;
import io.github.terminator.core.TerminationResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Meters of terminator: the open connections and requests in flight, read live from the
 * {@link ConnectionRegistry}, and what each termination did, recorded when it ends.
 * <p>
 * As a {@link TerminationListener}, it must be given to the
 * {@link io.github.terminator.core.Terminator Terminator} it measures. Every tag has a
 * bounded set of values: never one per connection, client or path.
 */
public final class TerminatorMetrics implements MeterBinder, TerminationListener {

	/** Gauge of the open connections, tagged with their {@link #TAG_STATE state}. */
	public static final String CONNECTIONS = "terminator.connections";

	/** Gauge of the requests being processed. */
	public static final String REQUESTS_ACTIVE = "terminator.requests.active";

	/** Counter of the connections closed during terminations, by {@link #TAG_REASON reason}. */
	public static final String CONNECTIONS_CLOSED = "terminator.connections.closed";

	/** Gauge of the streams being served, by {@link #TAG_KIND kind}. */
	public static final String STREAMS_ACTIVE = "terminator.streams.active";

	/**
	 * Counter of the streams that ended during terminations, by {@link #TAG_OUTCOME
	 * outcome}: {@code finished} on their own, {@code ended} as subscriptions when the drain
	 * started, or {@code cut} at the graceful timeout.
	 */
	public static final String STREAMS = "terminator.streams";

	/** Timer of the terminations, by {@link #TAG_OUTCOME outcome}. */
	public static final String TERMINATIONS = "terminator.terminations";

	/** Tag of {@link #CONNECTIONS}: {@code new}, {@code idle}, {@code active} or {@code upgraded}. */
	public static final String TAG_STATE = "state";

	/** Tag of {@link #CONNECTIONS_CLOSED}: {@code idle}, {@code completed} or {@code forced}. */
	public static final String TAG_REASON = "reason";

	/**
	 * Tag of {@link #TERMINATIONS}: the termination code, such as {@code TERMINATED}; of
	 * {@link #STREAMS}: {@code finished}, {@code ended} or {@code cut}.
	 */
	public static final String TAG_OUTCOME = "outcome";

	/** Tag of {@link #STREAMS_ACTIVE}: {@code finite} or {@code subscription}. */
	public static final String TAG_KIND = "kind";

	private static final String CONNECTIONS_UNIT = "connections";

	private static final String STREAMS_UNIT = "streams";

	private final ConnectionRegistry connections;

	private final Iterable<Tag> tags;

	/** The meters recorded at the end of a termination, once per registry bound to. */
	private final List<TerminationMeters> bound = new CopyOnWriteArrayList<>();

	/**
	 * Creates the meters of the connections of a registry.
	 * @param connections the registry the terminator drains
	 */
	public TerminatorMetrics(ConnectionRegistry connections) {
		this(connections, Tags.empty());
	}

	/**
	 * Creates the meters of the connections of a registry, with extra tags.
	 * @param connections the registry the terminator drains
	 * @param tags tags added to every meter
	 */
	public TerminatorMetrics(ConnectionRegistry connections, Iterable<Tag> tags) {
		this.connections = Objects.requireNonNull(connections, "connections");
		this.tags = Tags.of(tags);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (ConnectionState state : ConnectionState.values()) {
			Gauge.builder(CONNECTIONS, this.connections, (connections) -> connections.countByState().get(state))
				.description("Open connections of the embedded web server, by state")
				.baseUnit(CONNECTIONS_UNIT)
				.tags(this.tags)
				.tag(TAG_STATE, state.name().toLowerCase(Locale.ROOT))
				.strongReference(true)
				.register(registry);
		}
		Gauge.builder(REQUESTS_ACTIVE, this.connections, ConnectionRegistry::requestsInFlight)
			.description("Requests being processed by the embedded web server")
			.baseUnit("requests")
			.tags(this.tags)
			.strongReference(true)
			.register(registry);
		streamsActive(registry, "finite", (streams) -> streams.size() - streams.subscriptions());
		streamsActive(registry, "subscription", StreamRegistry::subscriptions);
		this.bound.add(new TerminationMeters(registry, this.tags));
	}

	private void streamsActive(MeterRegistry registry, String kind, ToDoubleFunction<StreamRegistry> count) {
		Gauge.builder(STREAMS_ACTIVE, this.connections.streams(), count)
			.description("Streams being served (server-sent events, streamed bodies), by kind: finite, or "
					+ "subscriptions the application declared, ended when the drain starts")
			.baseUnit(STREAMS_UNIT)
			.tags(this.tags)
			.tag(TAG_KIND, kind)
			.strongReference(true)
			.register(registry);
	}

	@Override
	public void terminated(TerminationResult result) {
		for (TerminationMeters meters : this.bound) {
			meters.record(result);
		}
	}

	/**
	 * The meters of terminations in one registry. The counters exist from the start, so
	 * that a dashboard sees zero rather than nothing; a timer appears with its outcome.
	 */
	private static final class TerminationMeters {

		private final MeterRegistry registry;

		private final Iterable<Tag> tags;

		private final Counter closedIdle;

		private final Counter closedCompleted;

		private final Counter closedForced;

		private final Counter streamsFinished;

		private final Counter subscriptionsEnded;

		private final Counter streamsCut;

		TerminationMeters(MeterRegistry registry, Iterable<Tag> tags) {
			this.registry = registry;
			this.tags = tags;
			this.closedIdle = closed("idle");
			this.closedCompleted = closed("completed");
			this.closedForced = closed("forced");
			this.streamsFinished = streams("finished");
			this.subscriptionsEnded = streams("ended");
			this.streamsCut = streams("cut");
		}

		private Counter streams(String outcome) {
			return Counter.builder(STREAMS)
				.description("Streams that ended during terminations: finished on their own, ended as declared "
						+ "subscriptions when the drain started, or cut at the graceful timeout")
				.baseUnit(STREAMS_UNIT)
				.tags(this.tags)
				.tag(TAG_OUTCOME, outcome)
				.register(this.registry);
		}

		private Counter closed(String reason) {
			return Counter.builder(CONNECTIONS_CLOSED)
				.description("Connections closed during terminations: idle ones once quiet, "
						+ "completed ones after their last response, forced ones at the graceful timeout")
				.baseUnit(CONNECTIONS_UNIT)
				.tags(this.tags)
				.tag(TAG_REASON, reason)
				.register(this.registry);
		}

		void record(TerminationResult result) {
			this.closedIdle.increment(result.connectionsClosedIdle());
			this.closedCompleted.increment(result.connectionsCompleted());
			this.closedForced.increment(result.connectionsForced());
			this.streamsFinished.increment(result.streamsFinished());
			this.subscriptionsEnded.increment(result.subscriptionsEnded());
			this.streamsCut.increment(result.streamsCut());
			Timer.builder(TERMINATIONS)
				.description("Terminations of the embedded web server, from start to result, by outcome")
				.tags(this.tags)
				.tag(TAG_OUTCOME, result.code().name())
				.register(this.registry)
				.record(result.duration());
		}

	}

}
