package io.github.terminator.core;

import io.github.terminator.core.spi.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * Tests for {@link ConnectionRegistry}.
 */
class ConnectionRegistryTests {

	private final ConnectionRegistry registry = new ConnectionRegistry();

	private final ExecutorService executor = Executors.newFixedThreadPool(4);

	@AfterEach
	void stopThreads() {
		this.executor.shutdownNow();
	}

	@Test
	void whenCreatedThenItIsEmptyAndNotClosingConnections() {
		assertThat(this.registry.isEmpty()).isTrue();
		assertThat(this.registry.size()).isZero();
		assertThat(this.registry.connections()).isEmpty();
		assertThat(this.registry.requestsInFlight()).isZero();
		assertThat(this.registry.isClosingConnections()).isFalse();
	}

	@Test
	void whenConnectionOpensThenItIsTrackedAsNew() {
		FakeConnection connection = FakeConnection.open(this.registry);
		assertThat(this.registry.size()).isEqualTo(1);
		assertThat(this.registry.isEmpty()).isFalse();
		assertThat(this.registry.connections()).containsExactly(connection.tracked());
		assertThat(connection.tracked().state()).isEqualTo(ConnectionState.NEW);
	}

	@Test
	void whenConnectionClosesThenItIsRemoved() {
		FakeConnection closed = FakeConnection.open(this.registry);
		FakeConnection open = FakeConnection.open(this.registry);
		closed.close();
		assertThat(this.registry.connections()).containsExactly(open.tracked());
		open.close();
		assertThat(this.registry.isEmpty()).isTrue();
	}

	@Test
	void countByStateCountsEveryStateZeroIncluded() {
		FakeConnection.open(this.registry);
		FakeConnection.openActive(this.registry, "GET", "/a");
		FakeConnection.openActive(this.registry, "GET", "/b");
		FakeConnection.openIdle(this.registry);
		assertThat(this.registry.countByState()).containsOnly(entry(ConnectionState.NEW, 1),
				entry(ConnectionState.ACTIVE, 2), entry(ConnectionState.IDLE, 1), entry(ConnectionState.UPGRADED, 0));
	}

	@Test
	void requestsInFlightCountsActiveConnections() {
		FakeConnection.open(this.registry);
		FakeConnection.openIdle(this.registry);
		FakeConnection active = FakeConnection.openActive(this.registry, "GET", "/slow");
		FakeConnection.openActive(this.registry, "GET", "/ws").upgrade(Protocol.WEBSOCKET);
		assertThat(this.registry.requestsInFlight()).isEqualTo(1);
		active.completeRequest();
		assertThat(this.registry.requestsInFlight()).isZero();
	}

	@Test
	void connectionsAreListedOldestFirst() {
		List<TrackedConnection> opened = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			opened.add(FakeConnection.open(this.registry).tracked());
		}
		assertThat(this.registry.connections()).containsExactlyElementsOf(opened);
	}

	@Test
	void whenConnectionsOpenAndCloseManyTimesThenNothingIsLeft() throws Exception {
		List<CompletableFuture<Void>> cycles = new ArrayList<>();
		for (int thread = 0; thread < 4; thread++) {
			cycles.add(CompletableFuture.runAsync(() -> {
				for (int i = 0; i < 2_500; i++) {
					FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/");
					connection.completeRequest();
					connection.close();
				}
			}, this.executor));
		}
		CompletableFuture.allOf(cycles.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
		assertThat(this.registry.isEmpty()).isTrue();
		assertThat(this.registry.connections()).isEmpty();
		assertThat(this.registry.countByState()).containsOnly(entry(ConnectionState.NEW, 0),
				entry(ConnectionState.ACTIVE, 0), entry(ConnectionState.IDLE, 0), entry(ConnectionState.UPGRADED, 0));
		assertThat(FakeConnection.open(this.registry).tracked().id()).isEqualTo(10_001);
	}

	@Test
	void whenClosingConnectionsThenCompletedRequestsAreCounted() {
		FakeConnection before = FakeConnection.openActive(this.registry, "GET", "/");
		FakeConnection keptAlive = FakeConnection.openActive(this.registry, "GET", "/");
		FakeConnection closed = FakeConnection.openActive(this.registry, "GET", "/");
		before.tracked().onRequestCompleted();
		this.registry.startClosingConnections();
		assertThat(this.registry.isClosingConnections()).isTrue();
		keptAlive.tracked().onRequestCompleted();
		closed.tracked().onClosed();
		assertThat(this.registry.requestsCompletedWhileClosing()).isEqualTo(2);
		assertThat(this.registry.completedWhileClosing()).isEqualTo(1);
		assertThat(this.registry.idleClosedWhileClosing()).isZero();
	}

	@Test
	void whenClosingConnectionsThenEachEndIsCountedByWhatTheConnectionWasDoing() {
		FakeConnection idle = FakeConnection.openIdle(this.registry);
		FakeConnection fresh = FakeConnection.open(this.registry);
		FakeConnection active = FakeConnection.openActive(this.registry, "GET", "/");
		FakeConnection forced = FakeConnection.openActive(this.registry, "GET", "/");
		FakeConnection closedBefore = FakeConnection.openIdle(this.registry);
		closedBefore.tracked().onClosed();
		this.registry.startClosingConnections();
		idle.tracked().onClosed();
		fresh.tracked().onClosed();
		active.tracked().onClosed();
		forced.tracked().markForced();
		forced.tracked().onClosed();
		assertThat(this.registry.idleClosedWhileClosing()).isEqualTo(2);
		assertThat(this.registry.completedWhileClosing()).isEqualTo(1);
		assertThat(this.registry.requestsCompletedWhileClosing()).isEqualTo(1);
	}

	@Test
	void whenTheLastResponseCompletesThenItsRequestCountsOnceAndTheConnectionStaysActiveUntilClosed() {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/");
		this.registry.startClosingConnections();
		connection.tracked().onLastResponseCompleted();
		assertThat(this.registry.requestsCompletedWhileClosing()).isEqualTo(1);
		assertThat(connection.tracked().state()).isEqualTo(ConnectionState.ACTIVE);
		assertThat(connection.tracked().currentRequest()).isNull();
		assertThat(this.registry.requestsInFlight()).isZero();
		connection.tracked().onClosed();
		assertThat(this.registry.requestsCompletedWhileClosing()).isEqualTo(1);
		assertThat(this.registry.completedWhileClosing()).isEqualTo(1);
		assertThat(connection.tracked().requestsServed()).isEqualTo(1);
		assertThat(this.registry.isEmpty()).isTrue();
	}

	@Test
	void whenWatchedThenAwaitChangeWakesUpOnClose() throws Exception {
		FakeConnection connection = FakeConnection.open(this.registry);
		this.registry.watch();
		long token = this.registry.changeToken();
		CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
			sleep(Duration.ofMillis(50));
			connection.close();
		}, this.executor);
		long start = System.nanoTime();
		this.registry.awaitChange(token, TimeUnit.SECONDS.toNanos(5));
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
		assertThat(this.registry.isEmpty()).isTrue();
		closing.get(5, TimeUnit.SECONDS);
	}

	@Test
	void whenChangeHappenedAfterTokenThenAwaitChangeReturnsAtOnce() throws InterruptedException {
		FakeConnection connection = FakeConnection.open(this.registry);
		this.registry.watch();
		long token = this.registry.changeToken();
		connection.close();
		long start = System.nanoTime();
		this.registry.awaitChange(token, TimeUnit.SECONDS.toNanos(5));
		// Far below the 5 s it would wait for nothing.
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
	}

	@Test
	void whenAConnectionOpensThenAwaitChangeReturnsAtOnce() throws InterruptedException {
		this.registry.watch();
		long token = this.registry.changeToken();
		FakeConnection.open(this.registry);
		assertAwaitChangeReturnsAtOnce(token);
	}

	@Test
	void whenAConnectionTurnsIdleThenAwaitChangeReturnsAtOnce() throws InterruptedException {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/");
		this.registry.watch();
		long token = this.registry.changeToken();
		connection.completeRequest();
		assertAwaitChangeReturnsAtOnce(token);
	}

	@Test
	void whenAConnectionClosesButOthersRemainThenAwaitChangeKeepsWaiting() throws InterruptedException {
		FakeConnection first = FakeConnection.openIdle(this.registry);
		FakeConnection second = FakeConnection.openActive(this.registry, "GET", "/");
		FakeConnection.openIdle(this.registry);
		this.registry.watch();
		long token = this.registry.changeToken();
		first.close();
		second.close();
		long start = System.nanoTime();
		this.registry.awaitChange(token, TimeUnit.MILLISECONDS.toNanos(100));
		// Nothing a drain could act on: it is not woken up for it.
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(100);
		assertThat(this.registry.size()).isOne();
	}

	private void assertAwaitChangeReturnsAtOnce(long token) throws InterruptedException {
		long start = System.nanoTime();
		this.registry.awaitChange(token, TimeUnit.SECONDS.toNanos(5));
		// Far below the 5 s it would wait for nothing.
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
	}

	@Test
	void whenNothingChangesThenAwaitChangeReturnsAtTimeout() throws InterruptedException {
		this.registry.watch();
		long start = System.nanoTime();
		this.registry.awaitChange(this.registry.changeToken(), TimeUnit.MILLISECONDS.toNanos(50));
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(50L, 1000L);
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
