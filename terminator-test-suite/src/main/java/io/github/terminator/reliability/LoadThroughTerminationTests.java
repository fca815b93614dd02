package io.github.terminator.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many keep-alive clients that behave like connection pools send requests back to back,
 * with no pause and no retry, while the termination starts: every request written gets
 * its full response, and only new connections after the listener closed are refused.
 * Each reconnects as soon as a response says {@code Connection: close}: the termination
 * must tell them so only once new connections are refused, or the listener's close
 * resets the connections they opened in between.
 */
class LoadThroughTerminationTests {

	private static final int CLIENTS = 32;

	/** How long each request takes in the handler: some are always in flight. */
	private static final long HANDLER_MILLIS = 20;

	@ParameterizedTest(name = "{0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyStack")
	void whenTerminationStartsUnderLoadThenNoRequestIsLost(ServerSetup setup)
			throws Exception {
		Tally total = new Tally();
		int rounds = Stress.rounds(setup.tls() ? 1 : 2);
		for (int round = 0; round < rounds; round++) {
			Tally tally = new Tally();
			try (RunningServer server = RunningServer.start(setup)) {
				TerminationResult result = terminateUnderLoad(server, tally);
				assertThat(result.code()).as("%s", result).isEqualTo(TerminationCode.TERMINATED);
				assertThat(result.connectionsForced()).isZero();
				tally.assertEveryRequestAnswered(server.received(), server.outcomes());
				assertThat(tally.refused).as("clients that found the server gone").hasValue(CLIENTS);
			}
			total.add(tally);
		}
		Report.print(setup + ", " + rounds + " terminations under load of " + CLIENTS + " clients", total);
	}

	/**
	 * Starts the clients, lets them get going, terminates, and waits until each has found
	 * the server gone.
	 */
	private static TerminationResult terminateUnderLoad(RunningServer server, Tally tally) throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
		try {
			List<Future<?>> clients = new ArrayList<>();
			for (int i = 0; i < CLIENTS; i++) {
				clients.add(threads.submit(() -> {
					try (PooledRawClient client = new PooledRawClient(server, tally, HANDLER_MILLIS)) {
						while (client.sendOne()) {
							// on to the next request
						}
					}
				}));
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> tally.served.size() >= 5 * CLIENTS);
			TerminationResult result = server.terminateAsync().get(10, TimeUnit.SECONDS);
			for (Future<?> client : clients) {
				client.get(10, TimeUnit.SECONDS);
			}
			return result;
		}
		finally {
			threads.shutdownNow();
		}
	}

}
