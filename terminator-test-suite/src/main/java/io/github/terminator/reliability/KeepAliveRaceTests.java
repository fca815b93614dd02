package io.github.terminator.reliability;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.ClosedBeforeResponseException;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import io.github.terminator.test.TestApplication;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.parallel.Isolated;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The race HTTP/1.1 cannot rule out, and the one exception to the client's oracle: a
 * request written on an idle connection at the instant the drain closes it, the close on
 * its way to the client. Each request written before the close reached the client must
 * get its full response, even when no thread of the server has started on it yet; one
 * written after it finds the connection ended with a FIN, which it could have seen before
 * writing, never a reset.
 */
// Measures a race with the server, which other tests' load would tilt.
@Isolated
class KeepAliveRaceTests {

	private static final int CONNECTIONS = 100;

	private static final Duration RESPONSE_WAIT = Duration.ofSeconds(10);

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStackPlain")
	void whenRequestCrossesTheDrainThenItIsServedOrFindsItsConnectionEndedWithAFin(ServerSetup setup)
			throws Exception {
		Tally total = new Tally();
		int rounds = Stress.rounds(4);
		for (int round = 0; round < rounds; round++) {
			Tally tally = new Tally();
			try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD)) {
				List<RawConnection> connections = openIdleConnections(server, tally);
				try {
					race(server, connections, round, tally);
				}
				finally {
					connections.forEach(RawConnection::close);
				}
			}
			total.add(tally);
		}
		Report.print(setup + ", " + rounds * CONNECTIONS + " requests crossing the drain", total);
		assertThat(total.served.size() + total.unanswered.size()).isEqualTo(rounds * CONNECTIONS);
		// A request whose bytes were waiting when the drain looked is served (without that,
		// 160 of 1,000 were reset on Undertow). What is left is a request written in the
		// microseconds between the server's last look at the socket and its close: the
		// crossing itself, the contract's one exception. Measured: 0 or 1 in 1,000.
		assertThat(total.reset).as("requests written and then reset").hasSizeLessThanOrEqualTo(rounds * CONNECTIONS / 100);
	}

	private static List<RawConnection> openIdleConnections(RunningServer server, Tally tally) throws IOException {
		List<RawConnection> connections = new ArrayList<>();
		for (int i = 0; i < CONNECTIONS; i++) {
			RawConnection connection = server.connect();
			connections.add(connection);
			String id = Tally.nextId();
			RawResponse response = send(connection, id).readResponse(RESPONSE_WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.closesConnection()).isFalse();
			tally.warmUp.add(id);
		}
		return connections;
	}

	/**
	 * Writes one request on each idle connection, in a shuffled order, a few microseconds
	 * apart, the termination starting before one of them: which one moves from round to
	 * round, so that the requests land before, at and after the instant each connection is
	 * closed.
	 */
	private static void race(RunningServer server, List<RawConnection> connections, int round, Tally tally)
			throws Exception {
		// Past the (short) quiet period: the drain closes these connections at once.
		Thread.sleep(150);
		Terminator terminator = server.terminator();
		CountDownLatch go = new CountDownLatch(1);
		CompletableFuture<TerminationResult> termination = CompletableFuture.supplyAsync(() -> {
			awaitUninterruptibly(go);
			return terminator.terminate();
		}, RunningServer.OWN_THREAD);
		List<RawConnection> order = new ArrayList<>(connections);
		Collections.shuffle(order, new Random(round));
		int startBefore = (round * 7) % 40;
		String[] ids = new String[order.size()];
		for (int i = 0; i < order.size(); i++) {
			if (i == startBefore) {
				go.countDown();
			}
			ids[i] = Tally.nextId();
			try {
				send(order.get(i), ids[i]);
			}
			catch (IOException ex) {
				// Reset before it could be written whole.
				tally.unanswered(ids[i], true);
			}
			spin(20_000);
		}
		int closingResponses = 0;
		for (int i = 0; i < order.size(); i++) {
			RawConnection connection = order.get(i);
			long before = connection.bytesReceived();
			try {
				RawResponse response = connection.readResponse(RESPONSE_WAIT);
				if (response.status() == 200 && ids[i].equals(response.body())) {
					tally.served.add(ids[i]);
					closingResponses += response.closesConnection() ? 1 : 0;
				}
				else {
					tally.failures.add(ids[i] + ": status " + response.status() + ", body " + response.body());
				}
			}
			catch (IOException ex) {
				if (connection.bytesReceived() == before) {
					tally.unanswered(ids[i], !(ex instanceof ClosedBeforeResponseException));
				}
				else {
					tally.failures.add(ids[i] + ": response broken off: " + ex);
				}
			}
		}
		TerminationResult result = termination.get(10, TimeUnit.SECONDS);
		assertThat(tally.failures).as("what clients must never see").isEmpty();
		Set<String> lost = new TreeSet<>(server.received());
		lost.removeAll(tally.served);
		lost.removeAll(tally.warmUp);
		assertThat(lost).as("requests read by the server and left without a response").isEmpty();
		assertThat(result.code()).as("%s", result).isEqualTo(TerminationCode.TERMINATED);
		// Each connection ended either idle or right after its response with Connection: close.
		assertThat(result.connectionsClosedIdle() + result.connectionsCompleted()).as("%s", result)
			.isEqualTo(CONNECTIONS);
		assertThat(result.connectionsCompleted()).as("%s", result).isEqualTo(closingResponses);
	}

	private static RawConnection send(RawConnection connection, String id) throws IOException {
		return connection
			.send("GET /echo HTTP/1.1\r\nHost: localhost\r\n" + TestApplication.REQUEST_ID + ": " + id + "\r\n\r\n");
	}

	private static void spin(long nanos) {
		long end = System.nanoTime() + nanos;
		while (System.nanoTime() - end < 0) {
			Thread.onSpinWait();
		}
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
