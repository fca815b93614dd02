package io.github.terminator.jetty;

import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Drains one HTTP/2 connection through Jetty's public API. Loaded only where the
 * application serves HTTP/2, so that one without Jetty's HTTP/2 jars does not need them.
 */
final class JettyHttp2 {

	/** How often a connection told GOAWAY is looked at, to close it after its last stream. */
	private static final long POLL_MILLIS = 20;

	private JettyHttp2() {
	}

	static boolean isHttp2(Connection connection) {
		return connection instanceof HTTP2Connection;
	}

	/**
	 * Jetty's own graceful shutdown of the session: GOAWAY with 2^31−1, the streams in
	 * flight finish, then GOAWAY with the last stream id once none is left. Jetty then
	 * waits for the client to close; terminator closes the connection once no stream has
	 * been open for a poll, time enough for the last GOAWAY to leave.
	 */
	static void goAway(Connection connection, EndPoint endPoint, Scheduler scheduler) {
		HTTP2Session session = ((HTTP2Connection) connection).getSession();
		session.shutdown();
		scheduler.schedule(() -> closeAfterLastStream(session, endPoint, scheduler, false), POLL_MILLIS,
				TimeUnit.MILLISECONDS);
	}

	private static void closeAfterLastStream(HTTP2Session session, EndPoint endPoint, Scheduler scheduler,
			boolean noStreamBefore) {
		if (!endPoint.isOpen()) {
			return;
		}
		boolean noStream = session.getStreamCount() == 0;
		if (noStream && noStreamBefore) {
			endPoint.close();
			return;
		}
		scheduler.schedule(() -> closeAfterLastStream(session, endPoint, scheduler, noStream), POLL_MILLIS,
				TimeUnit.MILLISECONDS);
	}

}
