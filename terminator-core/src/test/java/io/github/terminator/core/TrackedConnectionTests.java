package io.github.terminator.core;

import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.Protocol;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

	/**
	 * A request's target is kept as the server gave it and stripped of its query string
	 * only when the request is reported, rarely: a copy of the path made for every request
	 * would be garbage. So a request with a query string allocates no more than one
	 * without.
	 */
	@Test
	void aQueryStringCostsNoAllocationPerRequest() {
		assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
				"a JVM that counts the bytes each thread allocates");
		ConnectionEvents events = FakeConnection.open(this.registry).tracked().events();
		long plain = bytesAllocatedPerRequest(events, "/orders/42");
		long withQuery = bytesAllocatedPerRequest(events, "/orders/42?page=1");
		assertThat(withQuery).as("bytes per request with a query string, against %d without", plain)
			.isLessThanOrEqualTo(plain + 8);
		events.onRequestStarted("GET", "/orders/42?page=1");
		assertThat(TrackedConnection.of(events).currentRequest().path()).isEqualTo("/orders/42");
	}

	private static long bytesAllocatedPerRequest(ConnectionEvents events, String target) {
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		long thread = Thread.currentThread().getId();
		int requests = 100_000;
		for (int i = 0; i < requests; i++) {
			events.onRequestStarted("GET", target);
			events.onRequestCompleted();
		}
		long before = threads.getThreadAllocatedBytes(thread);
		for (int i = 0; i < requests; i++) {
			events.onRequestStarted("GET", target);
			events.onRequestCompleted();
		}
		return (threads.getThreadAllocatedBytes(thread) - before) / requests;
	}

}
