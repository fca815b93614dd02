package io.github.terminator.core.spi;

import io.github.terminator.core.ActiveRequest;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.ConnectionState;
import io.github.terminator.core.TrackedConnection;

/**
 * What a server adapter reports of one connection it {@link ConnectionRegistry#open
 * registered}: each call comes from the thread that is processing the connection at that
 * moment, so a connection's transitions never race with each other. Applications read
 * the connection through {@link TrackedConnection}, which has none of these.
 */
public interface ConnectionEvents {

	/**
	 * The connection, as applications and the drain read it.
	 * @return the tracked connection
	 */
	TrackedConnection connection();

	/**
	 * The connection's state now.
	 * @return the state
	 */
	default ConnectionState state() {
		return connection().state();
	}

	/**
	 * The connection's TLS handshake completed: its client writes its first request from
	 * now on, and the short quiet window of a connection that has not sent one starts
	 * again. An adapter reports it for a TLS connection, whose {@link
	 * ConnectionControl#closeIfIdle()} leaves it open until then: a client whose handshake
	 * a busy machine made slow must not find its connection closed as it writes its
	 * request.
	 */
	void onHandshakeCompleted();

	/**
	 * A request head has been parsed and the request is handed to the application.
	 * @param method the HTTP method
	 * @param target the request path; a query string is stripped
	 */
	void onRequestStarted(String method, String target);

	/**
	 * The response of the current request is complete and the connection is kept alive
	 * for another one. Has no effect unless a request was running.
	 */
	void onRequestCompleted();

	/**
	 * The response of the current request is complete and the server closes the
	 * connection after it, but may keep the socket a while longer to let the client read
	 * everything. Has no effect unless a request was running.
	 */
	void onLastResponseCompleted();

	/**
	 * The connection switched to another protocol.
	 * @param protocol what it speaks now, one of the {@code TrackedConnection.…} protocol
	 * names: {@link TrackedConnection#WEBSOCKET}, {@link TrackedConnection#H2},
	 * {@link TrackedConnection#H2C}
	 */
	void onUpgraded(String protocol);

	/**
	 * A stream of an HTTP/2 connection is handed to the application. Unlike the other
	 * events, stream events come from the threads that process the streams, concurrently.
	 * @param method the HTTP method
	 * @param target the request path; a query string is stripped
	 * @return the stream's request, to give back to {@link #onStreamCompleted}
	 */
	ActiveRequest onStreamStarted(String method, String target);

	/**
	 * The response of a stream of an HTTP/2 connection is complete, or the stream was
	 * reset. Calling it again for the same stream has no effect.
	 * @param stream what {@link #onStreamStarted} returned
	 */
	void onStreamCompleted(ActiveRequest stream);

	/**
	 * The connection is closed, whoever closed it. Calling it again has no effect.
	 */
	void onClosed();

}
