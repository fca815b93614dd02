package io.github.terminator.micrometer;

import io.github.terminator.core.spi.Protocol;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.StreamRegistry;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.TrackedConnection;
import io.github.terminator.core.spi.ConnectionEvents;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.github.terminator.test.StubConnection;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TerminatorMetrics}.
 */
class TerminatorMetricsTests {

	private final ConnectionRegistry connections = new ConnectionRegistry();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final TerminatorMetrics metrics = new TerminatorMetrics(this.connections);

	@Test
	void connectionsGaugeFollowsTheRegistryLiveForEveryState() {
		this.metrics.bindTo(this.registry);
		assertThat(connectionsIn("new")).isZero();
		ConnectionEvents fresh = StubConnection.open(this.connections);
		ConnectionEvents active = StubConnection.open(this.connections);
		active.onRequestStarted("GET", "/a");
		ConnectionEvents idle = StubConnection.open(this.connections);
		idle.onRequestStarted("GET", "/b");
		idle.onRequestCompleted();
		ConnectionEvents upgraded = StubConnection.open(this.connections);
		upgraded.onRequestStarted("GET", "/ws");
		upgraded.onUpgraded(Protocol.WEBSOCKET);
		assertThat(connectionsIn("new")).isEqualTo(1);
		assertThat(connectionsIn("active")).isEqualTo(1);
		assertThat(connectionsIn("idle")).isEqualTo(1);
		assertThat(connectionsIn("upgraded")).isEqualTo(1);
		assertThat(this.registry.get(TerminatorMetrics.REQUESTS_ACTIVE).gauge().value()).isEqualTo(1);
		active.onClosed();
		fresh.onClosed();
		assertThat(connectionsIn("active")).isZero();
		assertThat(connectionsIn("new")).isZero();
		assertThat(this.registry.get(TerminatorMetrics.REQUESTS_ACTIVE).gauge().value()).isZero();
	}

	@Test
	void everyMeterHasADescriptionAndEveryGaugeAndCounterABaseUnit() {
		this.metrics.bindTo(this.registry);
		this.metrics.terminated(result(TerminationCode.TERMINATED, Duration.ofMillis(5), 0, 0, 0));
		assertThat(this.registry.getMeters()).hasSize(4 + 1 + 2 + 3 + 3 + 1);
		for (Meter meter : this.registry.getMeters()) {
			assertThat(meter.getId().getDescription()).as(meter.getId().toString()).isNotBlank();
			if (!(meter instanceof Timer)) {
				assertThat(meter.getId().getBaseUnit()).as(meter.getId().toString()).isNotBlank();
			}
		}
	}

	@Test
	void closedConnectionsCountersStartAtZero() {
		this.metrics.bindTo(this.registry);
		for (String reason : new String[] { "idle", "completed", "forced" }) {
			assertThat(closed(reason)).isZero();
		}
		assertThat(this.registry.find(TerminatorMetrics.TERMINATIONS).timers()).isEmpty();
	}

	@Test
	void terminationIsCountedByReasonAndTimedByOutcome() {
		this.metrics.bindTo(this.registry);
		this.metrics.terminated(result(TerminationCode.FORCED, Duration.ofMillis(1234), 3, 2, 1));
		assertThat(closed("idle")).isEqualTo(3);
		assertThat(closed("completed")).isEqualTo(2);
		assertThat(closed("forced")).isEqualTo(1);
		Timer timer = this.registry.get(TerminatorMetrics.TERMINATIONS).tag("outcome", "FORCED").timer();
		assertThat(timer.count()).isEqualTo(1);
		assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1234);
		assertThat(this.registry.find(TerminatorMetrics.TERMINATIONS).timers()).hasSize(1);
	}

	@Test
	void everyRegistryBoundToRecordsTheTermination() {
		SimpleMeterRegistry other = new SimpleMeterRegistry();
		this.metrics.bindTo(this.registry);
		this.metrics.bindTo(other);
		this.metrics.terminated(result(TerminationCode.TERMINATED, Duration.ofMillis(10), 1, 0, 0));
		assertThat(closed("idle")).isEqualTo(1);
		assertThat(other.get(TerminatorMetrics.CONNECTIONS_CLOSED).tag("reason", "idle").counter().count())
			.isEqualTo(1);
		assertThat(other.get(TerminatorMetrics.TERMINATIONS).tag("outcome", "TERMINATED").timer().count())
			.isEqualTo(1);
	}

	@Test
	void extraTagsAreAddedToEveryMeter() {
		new TerminatorMetrics(this.connections, Tags.of("server", "main")).bindTo(this.registry);
		assertThat(this.registry.getMeters())
			.allSatisfy((meter) -> assertThat(meter.getId().getTag("server")).isEqualTo("main"));
	}

	private double connectionsIn(String state) {
		return this.registry.get(TerminatorMetrics.CONNECTIONS).tag("state", state).gauge().value();
	}

	private double closed(String reason) {
		return this.registry.get(TerminatorMetrics.CONNECTIONS_CLOSED).tag("reason", reason).counter().count();
	}

	@Test
	void streamsAreCountedLiveByKindAndAtTheEndOfATerminationByOutcome() {
		this.metrics.bindTo(this.registry);
		StreamRegistry streams = this.connections.streams();
		StreamRegistry.TrackedStream finite = streams.open(false, null);
		streams.open(true, null);
		streams.open(true, null);
		assertThat(this.registry.get(TerminatorMetrics.STREAMS_ACTIVE).tag("kind", "finite").gauge().value())
			.isEqualTo(1);
		assertThat(this.registry.get(TerminatorMetrics.STREAMS_ACTIVE).tag("kind", "subscription").gauge().value())
			.isEqualTo(2);
		finite.finished();
		assertThat(this.registry.get(TerminatorMetrics.STREAMS_ACTIVE).tag("kind", "finite").gauge().value())
			.isZero();
		Instant start = Instant.parse("2025-01-01T00:00:00Z");
		this.metrics.terminated(new TerminationResult(TerminationCode.FORCED, "test", null, start, start,
				Duration.ZERO, Duration.ZERO, 0, 6, 0, 0, 3, 2, 1, 1, 0, null));
		assertThat(this.registry.get(TerminatorMetrics.STREAMS).tag("outcome", "finished").counter().count())
			.isEqualTo(3);
		assertThat(this.registry.get(TerminatorMetrics.STREAMS).tag("outcome", "ended").counter().count())
			.isEqualTo(2);
		assertThat(this.registry.get(TerminatorMetrics.STREAMS).tag("outcome", "cut").counter().count())
			.isEqualTo(1);
	}

	private static TerminationResult result(TerminationCode code, Duration duration, long idle, long completed,
			long forced) {
		Instant start = Instant.parse("2025-01-01T00:00:00Z");
		return new TerminationResult(code, "test", null, start, start.plus(duration), Duration.ZERO, duration, idle,
				completed, completed, 0, 0, 0, 0, forced, 0, null);
	}

}
