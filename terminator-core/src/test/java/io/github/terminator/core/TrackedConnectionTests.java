package io.github.terminator.core;

import io.github.terminator.core.spi.Protocol;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TrackedConnection}.
 */
class TrackedConnectionTests {

	private final ConnectionRegistry registry = new ConnectionRegistry();

	@Test
	void whenOpenedThenItIsNewWithItsAddressAndPort() {
		Instant before = Instant.now().minusMillis(1);
		FakeConnection connection = FakeConnection.open(this.registry);
		TrackedConnection tracked = connection.tracked();
		assertThat(tracked.state()).isEqualTo(ConnectionState.NEW);
		assertThat(tracked.requestsServed()).isZero();
		assertThat(tracked.currentRequest()).isNull();
		assertThat(tracked.remoteAddress()).isEqualTo(connection.remoteAddress());
		assertThat(tracked.localPort()).isEqualTo(8080);
		assertThat(tracked.openedAt()).isBetween(before, Instant.now().plusMillis(1));
		assertThat(tracked.age()).isLessThan(Duration.ofSeconds(1));
		assertThat(tracked.control()).isSameAs(connection);
	}

	@Test
	void idsIncreaseWithTheOrderOfAccept() {
		long first = FakeConnection.open(this.registry).tracked().id();
		long second = FakeConnection.open(this.registry).tracked().id();
		assertThat(second).isGreaterThan(first);
	}

	@Test
	void whenRequestStartsThenConnectionIsActiveWithItsMethodAndPath() {
		Instant before = Instant.now().minusMillis(1);
		TrackedConnection tracked = FakeConnection.openActive(this.registry, "POST", "/orders?card=4111").tracked();
		assertThat(tracked.state()).isEqualTo(ConnectionState.ACTIVE);
		ActiveRequest request = tracked.currentRequest();
		assertThat(request.method()).isEqualTo("POST");
		assertThat(request.path()).isEqualTo("/orders");
		assertThat(request.startedAt()).isBetween(before, Instant.now().plusMillis(1));
		assertThat(tracked.requestsServed()).isZero();
	}

	@Test
	void pathNeverContainsTheQueryString() {
		TrackedConnection tracked = FakeConnection.open(this.registry).tracked();
		tracked.onRequestStarted("GET", "/login?user=alice&password=secret");
		assertThat(tracked.currentRequest().path()).isEqualTo("/login").doesNotContain("?", "alice", "secret");
	}

	@Test
	void whenRequestCompletesThenConnectionIsIdleAndCountsIt() {
		TrackedConnection tracked = FakeConnection.openActive(this.registry, "GET", "/").tracked();
		tracked.onRequestCompleted();
		assertThat(tracked.state()).isEqualTo(ConnectionState.IDLE);
		assertThat(tracked.currentRequest()).isNull();
		assertThat(tracked.requestsServed()).isEqualTo(1);
		tracked.onRequestStarted("GET", "/");
		tracked.onRequestCompleted();
		assertThat(tracked.requestsServed()).isEqualTo(2);
	}

	@Test
	void whenRequestCompletesThenConnectionIsQuietFromThen() {
		TrackedConnection tracked = FakeConnection.openActive(this.registry, "GET", "/").tracked();
		long openedQuietSince = tracked.quietSinceNanos();
		long before = System.nanoTime();
		tracked.onRequestCompleted();
		assertThat(tracked.quietSinceNanos()).isGreaterThanOrEqualTo(before).isGreaterThan(openedQuietSince);
	}

	@Test
	void whenPipelinedRequestStartsWhileActiveThenThePreviousOneIsCounted() {
		TrackedConnection tracked = FakeConnection.openActive(this.registry, "GET", "/first").tracked();
		tracked.onRequestStarted("GET", "/second");
		assertThat(tracked.requestsServed()).isEqualTo(1);
		assertThat(tracked.currentRequest().path()).isEqualTo("/second");
		tracked.onRequestCompleted();
		assertThat(tracked.requestsServed()).isEqualTo(2);
	}

	@Test
	void whenNoRequestIsRunningThenCompletingHasNoEffect() {
		TrackedConnection tracked = FakeConnection.open(this.registry).tracked();
		tracked.onRequestCompleted();
		assertThat(tracked.state()).isEqualTo(ConnectionState.NEW);
		assertThat(tracked.requestsServed()).isZero();
	}

	@Test
	void whenUpgradedThenTheUpgradeRequestIsCounted() {
		TrackedConnection tracked = FakeConnection.openActive(this.registry, "GET", "/ws").tracked();
		tracked.onUpgraded(Protocol.WEBSOCKET);
		assertThat(tracked.state()).isEqualTo(ConnectionState.UPGRADED);
		assertThat(tracked.currentRequest()).isNull();
		assertThat(tracked.requestsServed()).isEqualTo(1);
	}

	@Test
	void whenHttp2StreamsRunThenTheConnectionIsActiveWithEachOneAndIdleAfterTheLast() {
		TrackedConnection tracked = FakeConnection.open(this.registry).tracked();
		tracked.onUpgraded(Protocol.H2);
		assertThat(tracked.state()).isEqualTo(ConnectionState.IDLE);
		assertThat(tracked.protocol()).isEqualTo(TrackedConnection.H2);
		ActiveRequest first = tracked.onStreamStarted("GET", "/first?secret=1");
		ActiveRequest second = tracked.onStreamStarted("POST", "/second");
		assertThat(tracked.state()).isEqualTo(ConnectionState.ACTIVE);
		assertThat(tracked.requestsInFlight()).isEqualTo(2);
		assertThat(this.registry.requestsInFlight()).isEqualTo(2);
		assertThat(tracked.currentRequest()).isSameAs(first);
		assertThat(first.path()).isEqualTo("/first");
		tracked.onStreamCompleted(first);
		tracked.onStreamCompleted(first);
		assertThat(tracked.currentRequest()).isSameAs(second);
		assertThat(tracked.state()).isEqualTo(ConnectionState.ACTIVE);
		tracked.onStreamCompleted(second);
		assertThat(tracked.state()).isEqualTo(ConnectionState.IDLE);
		assertThat(tracked.requestsInFlight()).isZero();
		assertThat(tracked.currentRequest()).isNull();
		assertThat(tracked.requestsServed()).isEqualTo(2);
	}

	@Test
	void whenHttp2StreamStartsBeforeTheUpgradeIsReportedThenTheConnectionStaysActive() {
		TrackedConnection tracked = FakeConnection.open(this.registry).tracked();
		ActiveRequest stream = tracked.onStreamStarted("GET", "/");
		tracked.onUpgraded(Protocol.H2C);
		assertThat(tracked.state()).isEqualTo(ConnectionState.ACTIVE);
		tracked.onStreamCompleted(stream);
		assertThat(tracked.state()).isEqualTo(ConnectionState.IDLE);
	}

	@Test
	void whenClosedTwiceThenSecondCloseHasNoEffect() {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/");
		FakeConnection other = FakeConnection.open(this.registry);
		TrackedConnection tracked = connection.tracked();
		this.registry.startClosingConnections();
		tracked.onClosed();
		tracked.onClosed();
		assertThat(tracked.requestsServed()).isEqualTo(1);
		assertThat(this.registry.requestsCompletedWhileClosing()).isEqualTo(1);
		assertThat(this.registry.connections()).containsExactly(other.tracked());
	}

	@Test
	void whenClosedWhileActiveThenItsResponseCountsAsCompleted() {
		TrackedConnection tracked = FakeConnection.openActive(this.registry, "GET", "/").tracked();
		this.registry.startClosingConnections();
		tracked.onClosed();
		assertThat(tracked.requestsServed()).isEqualTo(1);
		assertThat(tracked.currentRequest()).isNull();
		assertThat(this.registry.requestsCompletedWhileClosing()).isEqualTo(1);
		assertThat(this.registry.isEmpty()).isTrue();
	}

	@Test
	void whenForcedWhileActiveThenItsRequestIsNotCountedAsCompleted() {
		TrackedConnection tracked = FakeConnection.openActive(this.registry, "GET", "/").tracked();
		this.registry.startClosingConnections();
		tracked.markForced();
		tracked.onClosed();
		assertThat(tracked.requestsServed()).isZero();
		assertThat(this.registry.requestsCompletedWhileClosing()).isZero();
		assertThat(this.registry.isEmpty()).isTrue();
	}

}
