package io.github.terminator.core;

import io.github.terminator.core.spi.Protocol;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link Terminator}: the drain algorithm against a fake server, with short
 * timeouts.
 */
class TerminatorTests {

	private static final Duration NO_DELAY = Duration.ZERO;

	private static final Duration LONG_GRACE = Duration.ofSeconds(5);

	private static final Duration LONG_MAX_WAIT = Duration.ofSeconds(10);

	private static final Duration AWAIT = Duration.ofSeconds(5);

	/**
	 * How late a thread may wake up, after its time, on a machine whose cores other work
	 * keeps busy: what an upper bound allows beyond the time the drain is due.
	 */
	private static final long LATE_MILLIS = 300;

	private static final long NEW_WINDOW_MILLIS = Terminator.NEW_CONNECTION_QUIET_WINDOW.toMillis();

	/** The quiet period of kept-alive connections, shorter than the default for speed. */
	private static final Duration QUIET_PERIOD = Duration.ofMillis(200);

	private static final long QUIET_PERIOD_MILLIS = QUIET_PERIOD.toMillis();

	private final ConnectionRegistry registry = new ConnectionRegistry();

	private final TestServerAdapter server = new TestServerAdapter();

	private final RecordingListener listener = new RecordingListener();

	private final ExecutorService executor = Executors.newCachedThreadPool();

	@AfterEach
	void releaseThreads() {
		this.server.release();
		this.executor.shutdownNow();
	}

	@Test
	void whenNothingIsOpenThenTerminationEndsAtOnce() {
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		long start = System.nanoTime();
		TerminationResult result = terminator.terminate();
		assertThat(millisSince(start)).isLessThan(LATE_MILLIS);
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(result.success()).isTrue();
		assertThat(result.error()).isNull();
		assertThat(result.message()).startsWith("Every connection ended gracefully");
		assertThat(result.delay()).isZero();
		assertThat(result.connectionsClosedIdle()).isZero();
		assertThat(result.requestsCompleted()).isZero();
		assertThat(result.connectionsForced()).isZero();
		assertThat(result.connectionsLeft()).isZero();
		assertThat(result.oldestRequestCut()).isNull();
		assertThat(this.server.stopAcceptingCalls()).isEqualTo(1);
	}

	@Test
	@Timeout(5)
	void whenEveryDurationIsTheLongestAcceptedThenTerminateReturnsWithoutThrowing() throws InterruptedException {
		FakeConnection idle = FakeConnection.openIdle(this.registry);
		Duration longest = TerminatorSettings.MAX_DURATION;
		Terminator terminator = new Terminator(this.registry, this.server,
				new TerminatorSettings(Duration.ZERO, longest, longest, QUIET_PERIOD), List.of(this.listener));
		quietWindowPasses();
		TerminationResult result = terminator.terminate();
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(idle.isClosed()).isTrue();
		assertThat(this.listener.results()).containsExactly(result);
	}

	@Test
	void whenDrainStartsThenConnectionsQuietForTheWindowAreClosedAtOnce() throws InterruptedException {
		FakeConnection fresh = FakeConnection.open(this.registry);
		FakeConnection idle = FakeConnection.openIdle(this.registry);
		quietWindowPasses();
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		long start = System.nanoTime();
		TerminationResult result = terminator.terminate();
		// Below the 100 ms window a close that waited for it would take.
		assertThat(millisSince(start)).isLessThan(90);
		assertThat(fresh.isClosed()).isTrue();
		assertThat(idle.isClosed()).isTrue();
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(result.connectionsClosedIdle()).isEqualTo(2);
		assertThat(result.requestsCompleted()).isZero();
		assertThat(this.registry.isEmpty()).isTrue();
	}

	@Test
	void whenConnectionBecameQuietRecentlyThenItIsClosedWhenItsWindowEnds() throws Exception {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/");
		long quietFrom = System.nanoTime();
		connection.completeRequest();
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		TerminationResult result = terminateInBackground(terminator).get(5, TimeUnit.SECONDS);
		long closedAfter = TimeUnit.NANOSECONDS.toMillis(connection.closedNanos() - quietFrom);
		assertThat(closedAfter).isBetween(QUIET_PERIOD_MILLIS, QUIET_PERIOD_MILLIS + LATE_MILLIS);
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(result.connectionsClosedIdle()).isEqualTo(1);
	}

	@Test
	void whenDrainStartsThenANewConnectionGetsTheShortWindowAndAKeptAliveOneTheQuietPeriod() throws Exception {
		long openedAt = System.nanoTime();
		FakeConnection fresh = FakeConnection.open(this.registry);
		FakeConnection keptAlive = FakeConnection.openIdle(this.registry);
		TerminationResult result = terminateInBackground(terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT))
			.get(5, TimeUnit.SECONDS);
		assertThat(TimeUnit.NANOSECONDS.toMillis(fresh.closedNanos() - openedAt)).isBetween(NEW_WINDOW_MILLIS,
				NEW_WINDOW_MILLIS + LATE_MILLIS);
		assertThat(TimeUnit.NANOSECONDS.toMillis(keptAlive.closedNanos() - openedAt)).isBetween(QUIET_PERIOD_MILLIS,
				QUIET_PERIOD_MILLIS + LATE_MILLIS);
		assertThat(fresh.closedNanos()).isLessThan(keptAlive.closedNanos());
		assertThat(result.connectionsClosedIdle()).isEqualTo(2);
	}

	@Test
	void whenTheGracefulTimeoutComesBeforeTheQuietPeriodEndsThenIdleConnectionsAreClosedAsIdleNotForced()
			throws Exception {
		FakeConnection keptAlive = FakeConnection.openIdle(this.registry);
		Duration gracefulTimeout = Duration.ofMillis(100);
		Terminator terminator = new Terminator(this.registry, this.server,
				new TerminatorSettings(NO_DELAY, gracefulTimeout, LONG_MAX_WAIT, Duration.ofSeconds(2)),
				List.of(this.listener));
		long start = System.nanoTime();
		TerminationResult result = terminator.terminate();
		assertThat(millisSince(start)).isBetween(gracefulTimeout.toMillis(), gracefulTimeout.toMillis() + LATE_MILLIS);
		assertThat(keptAlive.isClosed()).isTrue();
		assertThat(keptAlive.forceCloseCalls()).isZero();
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(result.connectionsClosedIdle()).isEqualTo(1);
		assertThat(result.connectionsForced()).isZero();
		assertThat(this.listener.phases()).containsExactly(TerminationPhase.DRAINING, TerminationPhase.TERMINATED);
	}

	@Test
	void whenDrainStartsThenClientsAreToldToReconnectOnlyOnceTheListenerIsClosed() {
		AtomicBoolean closingWhenListenerClosed = new AtomicBoolean(true);
		this.server.onStopAccepting(() -> closingWhenListenerClosed.set(this.registry.isClosingConnections()));
		TerminationResult result = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT).terminate();
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(closingWhenListenerClosed).isFalse();
		assertThat(this.registry.isClosingConnections()).isTrue();
	}

	@Test
	void whenDrainStartsThenListenersAreToldOnceTheListenerIsClosedAndResponsesCloseTheirConnections() {
		AtomicBoolean listenerClosedFirst = new AtomicBoolean();
		AtomicBoolean closingWhenTold = new AtomicBoolean();
		this.server.onStopAccepting(() -> listenerClosedFirst.set(this.listener.drainStarts().isEmpty()));
		this.listener.onDrainStarted(() -> closingWhenTold.set(this.registry.isClosingConnections()));
		TerminationResult result = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT).terminate();
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(listenerClosedFirst).isTrue();
		assertThat(closingWhenTold).isTrue();
		assertThat(this.listener.drainStarts()).containsExactly("terminator");
	}

	@Test
	void whenDrainDelayEndsThenConnectionsAreKeptAliveForAMomentBeforeTheListenerCloses() throws Exception {
		Duration drainDelay = Duration.ofMillis(400);
		Terminator terminator = terminator(drainDelay, LONG_GRACE, LONG_MAX_WAIT);
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(this.registry::isClosingConnections);
		soon().until(() -> !this.registry.isClosingConnections());
		long keptAliveFrom = System.nanoTime();
		assertThat(terminator.phase()).isEqualTo(TerminationPhase.DELAYING);
		assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
		long settleMillis = TimeUnit.NANOSECONDS.toMillis(this.server.stoppedAcceptingNanos() - keptAliveFrom);
		assertThat(settleMillis).isBetween(Drain.RECONNECT_SETTLE.toMillis() - 20,
				Drain.RECONNECT_SETTLE.toMillis() + LATE_MILLIS);
		assertThat(this.registry.isClosingConnections()).isTrue();
	}

	@Test
	void whenRequestStartsInQuietWindowThenConnectionStaysOpenUntilItsResponseEnds() throws Exception {
		FakeConnection connection = FakeConnection.open(this.registry);
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(() -> this.server.stopAcceptingCalls() == 1);
		connection.startRequest("POST", "/orders");
		quietWindowPasses();
		assertThat(connection.isClosed()).isFalse();
		assertThat(connection.closeIfIdleCalls()).isZero();
		assertThat(result).isNotDone();
		connection.completeRequest();
		assertThat(connection.isClosed()).isTrue();
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(terminated.connectionsClosedIdle()).isZero();
		assertThat(terminated.requestsCompleted()).isEqualTo(1);
	}

	@Test
	void whenActiveRequestCompletesThenDrainEndsWithinMilliseconds() throws Exception {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/slow");
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		assertThat(this.registry.isClosingConnections()).isFalse();
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(() -> this.server.stopAcceptingCalls() == 1);
		assertThat(this.registry.isClosingConnections()).isTrue();
		assertThat(terminator.phase()).isEqualTo(TerminationPhase.DRAINING);
		quietWindowPasses();
		assertThat(connection.closeIfIdleCalls()).isZero();
		assertThat(connection.isClosed()).isFalse();
		long completedAt = System.nanoTime();
		connection.completeRequest();
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		// Below the quiet period a close that waited for it would take.
		assertThat(millisSince(completedAt)).isLessThan(QUIET_PERIOD_MILLIS - 10);
		assertThat(connection.isClosed()).isTrue();
		assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(terminated.requestsCompleted()).isEqualTo(1);
		assertThat(terminated.connectionsClosedIdle()).isZero();
		assertThat(connection.forceCloseCalls()).isZero();
	}

	@Test
	void whenResponsePromisedKeepAliveBeforeDrainThenItsConnectionGetsTheQuietWindow() throws Exception {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/stream");
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(() -> this.server.stopAcceptingCalls() == 1);
		long completedAt = System.nanoTime();
		connection.completeKeptAliveRequest();
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		long closedAfter = TimeUnit.NANOSECONDS.toMillis(connection.closedNanos() - completedAt);
		assertThat(closedAfter).isBetween(QUIET_PERIOD_MILLIS, QUIET_PERIOD_MILLIS + LATE_MILLIS);
		assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(terminated.requestsCompleted()).isEqualTo(1);
		assertThat(terminated.connectionsClosedIdle()).isEqualTo(1);
	}

	@Test
	void whenServerFindsQuietConnectionBusyThenDrainTriesAgain() throws Exception {
		FakeConnection connection = FakeConnection.openIdle(this.registry);
		connection.busy(true);
		quietWindowPasses();
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(() -> connection.closeIfIdleCalls() >= 3);
		assertThat(connection.isClosed()).isFalse();
		connection.busy(false);
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		assertThat(connection.isClosed()).isTrue();
		assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(terminated.connectionsClosedIdle()).isEqualTo(1);
	}

	@Test
	void whenServerNeverClosesAConnectionWhoseCloseItTookOverThenItIsForcedAtTheGracefulTimeout() throws Exception {
		FakeConnection connection = FakeConnection.openIdle(this.registry);
		connection.loseHandedOverClose();
		quietWindowPasses();
		Duration gracefulTimeout = Duration.ofMillis(Forcing.CLOSE_HANDOVER_NANOS / 1_000_000 + 300);
		Terminator terminator = terminator(NO_DELAY, gracefulTimeout, LONG_MAX_WAIT);
		long start = System.nanoTime();
		TerminationResult result = terminator.terminate();
		assertThat(millisSince(start)).isBetween(gracefulTimeout.toMillis(), gracefulTimeout.toMillis() + LATE_MILLIS);
		assertThat(connection.closeIfIdleCalls()).isEqualTo(1);
		assertThat(connection.forceCloseCalls()).isEqualTo(1);
		assertThat(result.code()).as("%s", result).isEqualTo(TerminationCode.FORCED);
		assertThat(result.connectionsForced()).isEqualTo(1);
		assertThat(result.connectionsLeft()).isZero();
	}

	@Test
	void whenGracefulTimeoutPassesThenActiveConnectionsAreForced() {
		FakeConnection oldest = FakeConnection.openActive(this.registry, "GET", "/reports?user=alice");
		FakeConnection newer = FakeConnection.openActive(this.registry, "POST", "/orders");
		Duration gracefulTimeout = Duration.ofMillis(200);
		Terminator terminator = terminator(NO_DELAY, gracefulTimeout, LONG_MAX_WAIT);
		long start = System.nanoTime();
		TerminationResult result = terminator.terminate();
		assertThat(millisSince(start)).isBetween(gracefulTimeout.toMillis(), gracefulTimeout.toMillis() + LATE_MILLIS);
		assertThat(oldest.forceCloseCalls()).isEqualTo(1);
		assertThat(newer.forceCloseCalls()).isEqualTo(1);
		assertThat(result.code()).isEqualTo(TerminationCode.FORCED);
		assertThat(result.success()).isFalse();
		assertThat(result.connectionsForced()).isEqualTo(2);
		assertThat(result.connectionsLeft()).isZero();
		assertThat(result.requestsCompleted()).isZero();
		assertThat(result.drain()).isGreaterThanOrEqualTo(gracefulTimeout);
		assertThat(result.oldestRequestCut().method()).isEqualTo("GET");
		assertThat(result.oldestRequestCut().path()).isEqualTo("/reports");
		assertThat(result.message()).contains("2 connections");
	}

	@Test
	void whenDrainStartsThenSubscriptionsAreEndedOnceTheListenerIsClosedAndBeforeTheApplicationIsTold()
			throws Exception {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/events");
		List<String> seen = new CopyOnWriteArrayList<>();
		StreamRegistry.TrackedStream[] subscription = new StreamRegistry.TrackedStream[1];
		subscription[0] = this.registry.streams().open(true, () -> {
			seen.add("ended, listener closed: " + (this.server.stopAcceptingCalls() == 1));
			subscription[0].finished();
			connection.completeRequest();
		});
		FakeConnection streaming = FakeConnection.openActive(this.registry, "GET", "/answer");
		StreamRegistry.TrackedStream finite = this.registry.streams().open(false, () -> seen.add("finite ended"));
		this.listener.onDrainStarted(() -> seen.add("application told"));
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		// The application is told on the drain's thread, which may close the connection first.
		soon().until(() -> connection.isClosed() && seen.size() == 2);
		assertThat(seen).containsExactly("ended, listener closed: true", "application told");
		assertThat(result).isNotDone();
		finite.finished();
		streaming.completeRequest();
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(terminated.requestsCompleted()).isEqualTo(2);
		assertThat(terminated.subscriptionsEnded()).isEqualTo(1);
		assertThat(terminated.streamsFinished()).isEqualTo(1);
		assertThat(terminated.streamsCut()).isZero();
		assertThat(seen).doesNotContain("finite ended");
	}

	@Test
	void whenSubscriptionOpensAfterTheDrainStartedThenItIsEndedAtOnce() throws Exception {
		FakeConnection busy = FakeConnection.openActive(this.registry, "GET", "/slow");
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(this.registry::isClosingConnections);
		CountDownLatch ended = new CountDownLatch(1);
		StreamRegistry.TrackedStream late = this.registry.streams().open(true, ended::countDown);
		assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
		late.finished();
		busy.completeRequest();
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		assertThat(terminated.subscriptionsEnded()).isEqualTo(1);
	}

	@Test
	void whenGracefulTimeoutCutsStreamsThenTheyAreCountedCutAndTheirLaterEndChangesNothing() {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/answer");
		AtomicBoolean endCalled = new AtomicBoolean();
		StreamRegistry.TrackedStream finite = this.registry.streams().open(false, () -> endCalled.set(true));
		StreamRegistry.TrackedStream unendable = this.registry.streams().open(true, null);
		TerminationResult result = terminator(NO_DELAY, Duration.ofMillis(100), LONG_MAX_WAIT).terminate();
		finite.finished();
		unendable.finished();
		assertThat(endCalled).isFalse();
		assertThat(connection.forceCloseCalls()).isEqualTo(1);
		assertThat(result.code()).isEqualTo(TerminationCode.FORCED);
		assertThat(result.streamsCut()).isEqualTo(2);
		assertThat(result.streamsFinished()).isZero();
		assertThat(result.subscriptionsEnded()).isZero();
		assertThat(this.registry.streams().size()).isZero();
	}

	@Test
	void whenAStreamEndsBecauseItsConnectionIsForcedThenItIsCountedCut() {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/events");
		StreamRegistry.TrackedStream stream = this.registry.streams().open(false, null);
		// The container ends the stream's request as its socket closes, before forcing
		// returns.
		connection.onForced(stream::finished);
		TerminationResult result = terminator(NO_DELAY, Duration.ofMillis(100), LONG_MAX_WAIT).terminate();
		assertThat(result.code()).isEqualTo(TerminationCode.FORCED);
		assertThat(result.streamsCut()).isEqualTo(1);
		assertThat(result.streamsFinished()).isZero();
	}

	@Test
	void whenStreamEndsBeforeTheTerminationThenItIsNotCounted() {
		this.registry.streams().open(false, null).finished();
		TerminationResult result = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT).terminate();
		assertThat(result.streamsFinished()).isZero();
		assertThat(result.streamsCut()).isZero();
	}

	@Test
	void whenUpgradedConnectionCannotBeToldToGoAwayThenItIsForcedAtGracefulTimeout() {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/ws");
		connection.upgrade(Protocol.WEBSOCKET);
		Terminator terminator = terminator(NO_DELAY, Duration.ofMillis(100), LONG_MAX_WAIT);
		TerminationResult result = terminator.terminate();
		assertThat(connection.goAwayCalls()).isEqualTo(1);
		assertThat(connection.closeIfIdleCalls()).isZero();
		assertThat(connection.forceCloseCalls()).isEqualTo(1);
		assertThat(result.code()).isEqualTo(TerminationCode.FORCED);
		assertThat(result.connectionsForced()).isEqualTo(1);
		assertThat(result.webSocketsClosed()).isZero();
		assertThat(result.oldestRequestCut()).isNull();
	}

	@Test
	void whenWebSocketIsToldToGoAwayAndAnswersThenTheDrainEndsWithItCompleted() {
		FakeConnection webSocket = FakeConnection.openActive(this.registry, "GET", "/ws");
		webSocket.upgrade(Protocol.WEBSOCKET);
		webSocket.onGoAway(FakeConnection.GoAway.CLIENT_ANSWERS);
		FakeConnection http2 = FakeConnection.open(this.registry);
		http2.upgrade(Protocol.H2);
		http2.onGoAway(FakeConnection.GoAway.CLIENT_ANSWERS);
		long start = System.nanoTime();
		TerminationResult result = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT).terminate();
		assertThat(millisSince(start)).isLessThan(LONG_GRACE.toMillis() / 2);
		assertThat(webSocket.goAwayCalls()).isEqualTo(1);
		assertThat(http2.goAwayCalls()).isEqualTo(1);
		assertThat(webSocket.forceCloseCalls()).isZero();
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(result.connectionsCompleted()).isEqualTo(1);
		assertThat(result.webSocketsClosed()).isEqualTo(1);
		// With no stream running when it ended.
		assertThat(result.connectionsClosedIdle()).isEqualTo(1);
		assertThat(result.connectionsForced()).isZero();
	}

	@Test
	void whenWebSocketToldToGoAwayNeverAnswersThenItIsForcedAtGracefulTimeout() {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/ws");
		connection.upgrade(Protocol.WEBSOCKET);
		connection.onGoAway(FakeConnection.GoAway.CLIENT_SILENT);
		TerminationResult result = terminator(NO_DELAY, Duration.ofMillis(100), LONG_MAX_WAIT).terminate();
		assertThat(connection.goAwayCalls()).isEqualTo(1);
		assertThat(connection.forceCloseCalls()).isEqualTo(1);
		assertThat(result.code()).isEqualTo(TerminationCode.FORCED);
		assertThat(result.webSocketsClosed()).isZero();
	}

	@Test
	void whenDrainDelayRunsThenUpgradedConnectionsAreToldToGoAwayOnlyWhenTheDrainStarts() throws Exception {
		Duration drainDelay = Duration.ofMillis(300);
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/ws");
		connection.upgrade(Protocol.WEBSOCKET);
		connection.onGoAway(FakeConnection.GoAway.CLIENT_ANSWERS);
		long start = System.nanoTime();
		TerminationResult result = terminator(drainDelay, LONG_GRACE, LONG_MAX_WAIT).terminate();
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(connection.goAwayCalls()).isEqualTo(1);
		assertThat(connection.goAwayNanos()).isGreaterThanOrEqualTo(this.server.stoppedAcceptingNanos());
		assertThat(TimeUnit.NANOSECONDS.toMillis(connection.goAwayNanos() - start))
			.isGreaterThanOrEqualTo(drainDelay.toMillis());
	}

	@Test
	void whenHttp2ConnectionIsIdleThenItIsToldToGoAwayInsteadOfClosedAndItsStreamsCount() throws Exception {
		FakeConnection idle = FakeConnection.open(this.registry);
		idle.upgrade(Protocol.H2);
		FakeConnection busy = FakeConnection.open(this.registry);
		busy.upgrade(Protocol.H2C);
		ActiveRequest stream = busy.tracked().onStreamStarted("GET", "/slow");
		idle.onGoAway(FakeConnection.GoAway.CLIENT_ANSWERS);
		busy.onGoAway(FakeConnection.GoAway.CLIENT_SILENT);
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(() -> busy.goAwayCalls() == 1);
		assertThat(idle.goAwayCalls()).isEqualTo(1);
		assertThat(idle.closeIfIdleCalls()).isZero();
		busy.tracked().onStreamCompleted(stream);
		// The server closes the connection after its last stream.
		busy.close();
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(terminated.requestsCompleted()).isEqualTo(1);
		// Both ended with no stream running on them.
		assertThat(terminated.connectionsClosedIdle()).isEqualTo(2);
		assertThat(terminated.connectionsCompleted()).isZero();
		assertThat(busy.closeIfIdleCalls()).isZero();
	}

	@Test
	void whenConnectionUpgradesDuringTheDrainThenItIsToldToGoAway() throws Exception {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/ws");
		connection.onGoAway(FakeConnection.GoAway.CLIENT_ANSWERS);
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(() -> this.server.stopAcceptingCalls() == 1);
		assertThat(connection.goAwayCalls()).isZero();
		connection.upgrade(Protocol.WEBSOCKET);
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		assertThat(connection.goAwayCalls()).isEqualTo(1);
		assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(terminated.webSocketsClosed()).isEqualTo(1);
	}

	@Test
	void whenForcedConnectionNeverClosesThenTerminationTimesOutAtMaxWait() {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/stuck");
		connection.stuck();
		TerminationResult result = terminateUntilMaxWait(Duration.ofMillis(400));
		assertThat(result.error()).isNull();
		assertThat(result.connectionsForced()).isEqualTo(1);
		assertThat(result.connectionsLeft()).isEqualTo(1);
		assertThat(result.oldestRequestCut().path()).isEqualTo("/stuck");
		assertThat(result.message()).contains("1 connection still open");
	}

	@Test
	void whenServerNeverStopsAcceptingThenTerminationTimesOutAtMaxWait() {
		FakeConnection.openActive(this.registry, "GET", "/slow");
		this.server.hang();
		TerminationResult result = terminateUntilMaxWait(Duration.ofMillis(300));
		assertThat(result.connectionsForced()).isZero();
		assertThat(result.connectionsLeft()).isEqualTo(1);
		assertThat(result.oldestRequestCut().path()).isEqualTo("/slow");
	}

	@Test
	void whenMaxWaitHasPassedThenTheAbandonedDrainNoLongerChangesThePhase() {
		FakeConnection.openActive(this.registry, "GET", "/slow");
		this.server.hang();
		TerminationResult result = terminateUntilMaxWait(Duration.ofMillis(200));
		await().during(Duration.ofMillis(200))
			.atMost(AWAIT)
			.until(() -> this.listener.results().get(0).equals(result)
					&& this.listener.phases().equals(List.of(TerminationPhase.DRAINING, TerminationPhase.TERMINATED)));
	}

	@Test
	void whenTerminateIsCalledTwiceThenItReturnsTheSameResult() {
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		TerminationResult first = terminator.terminate();
		TerminationResult second = terminator.terminate();
		assertThat(second).isSameAs(first);
		assertThat(terminator.lastResult()).isSameAs(first);
		assertThat(this.server.stopAcceptingCalls()).isEqualTo(1);
		assertThat(this.listener.results()).containsExactly(first);
	}

	@Test
	void whenTerminateIsCalledConcurrentlyThenItRunsOnceAndEveryCallerGetsTheSameResult() throws Exception {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/slow");
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		CountDownLatch go = new CountDownLatch(1);
		List<CompletableFuture<TerminationResult>> results = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			results.add(CompletableFuture.supplyAsync(() -> {
				awaitUninterruptibly(go);
				return terminator.terminate();
			}, this.executor));
		}
		go.countDown();
		soon().until(() -> this.server.stopAcceptingCalls() == 1);
		connection.completeRequest();
		TerminationResult first = results.get(0).get(5, TimeUnit.SECONDS);
		for (CompletableFuture<TerminationResult> result : results) {
			assertThat(result.get(5, TimeUnit.SECONDS)).isSameAs(first);
		}
		assertThat(this.server.stopAcceptingCalls()).isEqualTo(1);
		assertThat(this.listener.results()).containsExactly(first);
		assertThat(this.listener.phases()).containsExactly(TerminationPhase.DRAINING, TerminationPhase.TERMINATED);
	}

	@Test
	void whenTerminationRunsThenPhaseReflectsIt() throws Exception {
		FakeConnection connection = FakeConnection.openActive(this.registry, "GET", "/slow");
		Terminator terminator = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT);
		assertThat(terminator.phase()).isEqualTo(TerminationPhase.SERVING);
		assertThat(terminator.lastResult()).isNull();
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(() -> terminator.phase() == TerminationPhase.DRAINING);
		assertThat(terminator.lastResult()).isNull();
		connection.completeRequest();
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		assertThat(terminator.phase()).isEqualTo(TerminationPhase.TERMINATED);
		assertThat(terminator.lastResult()).isSameAs(terminated);
	}

	@Test
	void whenNeitherDelayedNorForcedThenListenersSeeDrainingThenTerminated() {
		TerminationResult result = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT).terminate();
		assertThat(this.listener.phases()).containsExactly(TerminationPhase.DRAINING, TerminationPhase.TERMINATED);
		assertThat(this.listener.results()).containsExactly(result);
	}

	@Test
	void whenDrainDelayIsSetThenListenersSeeDelayingFirst() {
		terminator(Duration.ofMillis(50), LONG_GRACE, LONG_MAX_WAIT).terminate();
		assertThat(this.listener.phases()).containsExactly(TerminationPhase.DELAYING, TerminationPhase.DRAINING,
				TerminationPhase.TERMINATED);
	}

	@Test
	void whenConnectionsAreForcedThenListenersSeeForcingBeforeTerminated() {
		FakeConnection.openActive(this.registry, "GET", "/slow");
		terminator(NO_DELAY, Duration.ofMillis(50), LONG_MAX_WAIT).terminate();
		assertThat(this.listener.phases()).containsExactly(TerminationPhase.DRAINING, TerminationPhase.FORCING,
				TerminationPhase.TERMINATED);
	}

	@Test
	void whenServerFailsToStopAcceptingThenResultIsServerErrorAndConnectionsAreStillDrained()
			throws InterruptedException {
		FakeConnection connection = FakeConnection.openIdle(this.registry);
		quietWindowPasses();
		IOException failure = new IOException("listener would not close");
		this.server.failWith(failure);
		TerminationResult result = terminator(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT).terminate();
		assertThat(result.code()).isEqualTo(TerminationCode.SERVER_ERROR);
		assertThat(result.success()).isFalse();
		assertThat(result.error()).isSameAs(failure);
		assertThat(result.message()).contains("listener would not close");
		assertThat(connection.isClosed()).isTrue();
		assertThat(result.connectionsClosedIdle()).isEqualTo(1);
	}

	@Test
	void whenServerFailsToCloseIdleConnectionThenResultIsServerError() throws InterruptedException {
		FakeConnection connection = FakeConnection.openIdle(this.registry);
		IllegalStateException failure = new IllegalStateException("socket gone wrong");
		connection.failOnClose(failure);
		quietWindowPasses();
		TerminationResult result = terminator(NO_DELAY, Duration.ofMillis(100), LONG_MAX_WAIT).terminate();
		assertThat(result.code()).isEqualTo(TerminationCode.SERVER_ERROR);
		assertThat(result.error()).isSameAs(failure);
		assertThat(connection.isClosed()).isTrue();
	}

	@Test
	void whenListenerThrowsThenResultIsUnchanged() {
		Terminator terminator = new Terminator(this.registry, this.server,
				new TerminatorSettings(NO_DELAY, LONG_GRACE, LONG_MAX_WAIT, QUIET_PERIOD),
				List.of(new FailingListener(() -> new IllegalStateException("listener bug")), this.listener));
		TerminationResult result = terminator.terminate();
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(result.error()).isNull();
		assertThat(this.listener.phases()).containsExactly(TerminationPhase.DRAINING, TerminationPhase.TERMINATED);
		assertThat(this.listener.results()).containsExactly(result);
	}

	@Test
	@Timeout(5)
	void whenListenerHangsThenTerminateStillReturnsByMaxWait() throws InterruptedException {
		CountDownLatch never = new CountDownLatch(1);
		TerminationListener hanging = new TerminationListener() {
			@Override
			public void terminated(TerminationResult result) {
				try {
					never.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		};
		Duration maxWait = Duration.ofMillis(300);
		Terminator terminator = new Terminator(this.registry, this.server,
				new TerminatorSettings(NO_DELAY, Duration.ZERO, maxWait, QUIET_PERIOD), List.of(hanging));
		long start = System.nanoTime();
		TerminationResult result = terminator.terminate();
		assertThat(millisSince(start)).isLessThan(maxWait.toMillis() + LATE_MILLIS);
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(terminator.lastResult()).isSameAs(result);
		never.countDown();
	}

	@Test
	void whenListenerFailsWithErrorThenTerminationStillDrainsAndReturns() throws InterruptedException {
		FakeConnection connection = FakeConnection.openIdle(this.registry);
		quietWindowPasses();
		Terminator terminator = new Terminator(this.registry, this.server,
				new TerminatorSettings(NO_DELAY, Duration.ofMillis(500), Duration.ofSeconds(1), QUIET_PERIOD),
				List.of(new FailingListener(() -> new NoClassDefFoundError("io/micrometer/core/instrument/Counter")),
						this.listener));
		long start = System.nanoTime();
		TerminationResult result = terminator.terminate();
		assertThat(millisSince(start)).isLessThan(LATE_MILLIS);
		assertThat(result.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(connection.isClosed()).isTrue();
		assertThat(this.listener.results()).containsExactly(result);
	}

	@Test
	void whenDrainDelayRunsThenConnectionsAreClosingButListenerStaysOpen() throws Exception {
		Duration drainDelay = Duration.ofMillis(300);
		FakeConnection active = FakeConnection.openActive(this.registry, "GET", "/slow");
		FakeConnection idle = FakeConnection.openIdle(this.registry);
		quietWindowPasses();
		Terminator terminator = terminator(drainDelay, LONG_GRACE, LONG_MAX_WAIT);
		long start = System.nanoTime();
		CompletableFuture<TerminationResult> result = terminateInBackground(terminator);
		soon().until(idle::isClosed);
		assertThat(terminator.phase()).isEqualTo(TerminationPhase.DELAYING);
		assertThat(this.registry.isClosingConnections()).isTrue();
		assertThat(this.server.stopAcceptingCalls()).isZero();
		active.completeRequest();
		assertThat(active.isClosed()).isTrue();
		assertThat(this.server.stopAcceptingCalls()).isZero();
		TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
		assertThat(this.server.stopAcceptingCalls()).isEqualTo(1);
		long stoppedAcceptingAfter = TimeUnit.NANOSECONDS.toMillis(this.server.stoppedAcceptingNanos() - start);
		assertThat(stoppedAcceptingAfter).isBetween(drainDelay.toMillis(), drainDelay.toMillis() + LATE_MILLIS);
		assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(terminated.delay()).isBetween(drainDelay, drainDelay.plusMillis(LATE_MILLIS));
		assertThat(terminated.connectionsClosedIdle()).isEqualTo(1);
		assertThat(terminated.requestsCompleted()).isEqualTo(1);
	}

	private Terminator terminator(Duration drainDelay, Duration gracefulTimeout, Duration maxWait) {
		return new Terminator(this.registry, this.server,
				new TerminatorSettings(drainDelay, gracefulTimeout, maxWait, QUIET_PERIOD), List.of(this.listener));
	}

	/**
	 * Terminates with a graceful timeout of 100 ms, expecting the termination to give up
	 * at the max-wait.
	 */
	private TerminationResult terminateUntilMaxWait(Duration maxWait) {
		Terminator terminator = terminator(NO_DELAY, Duration.ofMillis(100), maxWait);
		long start = System.nanoTime();
		TerminationResult result = terminator.terminate();
		assertThat(millisSince(start)).isBetween(maxWait.toMillis() - 5, maxWait.toMillis() + LATE_MILLIS);
		assertThat(result.code()).isEqualTo(TerminationCode.TIMED_OUT);
		assertThat(result.success()).isFalse();
		assertThat(terminator.phase()).isEqualTo(TerminationPhase.TERMINATED);
		assertThat(terminator.lastResult()).isSameAs(result);
		return result;
	}

	private CompletableFuture<TerminationResult> terminateInBackground(Terminator terminator) {
		return CompletableFuture.supplyAsync(terminator::terminate, this.executor);
	}

	/**
	 * Lets every open connection be quiet for longer than its window, the
	 * {@link Terminator#NEW_CONNECTION_QUIET_WINDOW} or the {@link #QUIET_PERIOD}; a sleep,
	 * because the window is a time.
	 */
	private static void quietWindowPasses() throws InterruptedException {
		Thread.sleep(Math.max(NEW_WINDOW_MILLIS, QUIET_PERIOD_MILLIS) + 30);
	}

	/**
	 * Awaits a condition, looking at it every millisecond: several tests must act within
	 * the quiet window.
	 */
	private static ConditionFactory soon() {
		return await().atMost(AWAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
	}

	private static long millisSince(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * A listener that throws on every call.
	 */
	private static final class FailingListener implements TerminationListener {

		private final Supplier<Throwable> failure;

		FailingListener(Supplier<Throwable> failure) {
			this.failure = failure;
		}

		@Override
		public void phaseStarted(TerminationPhase phase) {
			fail();
		}

		@Override
		public void terminated(TerminationResult result) {
			fail();
		}

		private void fail() {
			Throwable failure = this.failure.get();
			if (failure instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw (Error) failure;
		}

	}

}
