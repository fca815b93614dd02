package io.github.terminator.reliability;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;

import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.Terminator;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.ClosedBeforeResponseException;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.TestApplication;

/**
 * A keep-alive client that behaves like a connection pool and sends back to back, with
 * no pause: it reuses its connection while the server keeps it alive, checks a kept-alive
 * connection for a close before reusing it, and opens a new one when needed. Every
 * request goes to {@code /echo} with an id of its own, and its outcome goes into a
 * {@link Tally}. It never retries.
 */
final class PooledRawClient implements AutoCloseable {

	private static final Duration RESPONSE_WAIT = Duration.ofSeconds(10);

	private final RunningServer server;

	private final Terminator terminator;

	private final Tally tally;

	private final String target;

	private RawConnection connection;

	/**
	 * A client of {@code /echo}.
	 * @param server the server
	 * @param tally where outcomes go
	 * @param handlerMillis how long the handler takes to answer
	 */
	PooledRawClient(RunningServer server, Tally tally, long handlerMillis) {
		this.server = server;
		this.terminator = server.terminator();
		this.tally = tally;
		this.target = "/echo?millis=" + handlerMillis;
	}

	/**
	 * Sends one request, on the kept-alive connection when it is still open.
	 * @return {@code false} once a new connection was refused: the server is gone
	 */
	boolean sendOne() {
		if (this.connection != null && isClosedByServer(this.connection)) {
			close();
		}
		boolean fresh = this.connection == null;
		if (fresh) {
			try {
				this.connection = this.server.connect();
			}
			catch (ConnectException ex) {
				refused();
				return false;
			}
			catch (IOException ex) {
				// The TLS handshake of a connection in the accept queue, reset: no request
				// was written.
				refused();
				return false;
			}
		}
		String id = Tally.nextId();
		long before = this.connection.bytesReceived();
		try {
			RawResponse response = this.connection
				.send("GET " + this.target + " HTTP/1.1\r\nHost: localhost\r\n" + TestApplication.REQUEST_ID + ": " + id
						+ "\r\n\r\n")
				.readResponse(RESPONSE_WAIT);
			if (response.status() != 200 || !id.equals(response.body())) {
				this.tally.failures.add(id + ": status " + response.status() + ", body " + response.body());
			}
			else {
				this.tally.served.add(id);
			}
			if (response.closesConnection()) {
				close();
			}
		}
		catch (IOException ex) {
			boolean noResponse = this.connection.bytesReceived() == before;
			close();
			if (noResponse) {
				this.tally.unanswered(id, !(ex instanceof ClosedBeforeResponseException));
			}
			else {
				this.tally.failures.add(id + ": response broken off: " + ex);
			}
		}
		return true;
	}

	private void refused() {
		TerminationPhase phase = this.terminator.phase();
		if (phase == TerminationPhase.SERVING || phase == TerminationPhase.DELAYING) {
			this.tally.failures.add("connection refused while " + phase);
		}
		else {
			this.tally.refused.incrementAndGet();
		}
	}

	/**
	 * What a pool does before it reuses a connection: a close that has already arrived
	 * is seen, one on its way is not (the race every HTTP/1.1 client lives with).
	 */
	private static boolean isClosedByServer(RawConnection connection) {
		try {
			return connection.awaitClose(Duration.ofMillis(1)) != Close.OPEN;
		}
		catch (IOException ex) {
			return true;
		}
	}

	@Override
	public void close() {
		if (this.connection != null) {
			this.connection.close();
			this.connection = null;
		}
	}

}
