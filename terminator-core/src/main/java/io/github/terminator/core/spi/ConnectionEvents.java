package io.github.terminator.core.spi;

/**
 * What a server adapter reports of one connection it {@link Connections#open registered}:
 * each call comes from the thread that is processing the connection at that moment, so a
 * connection's transitions never race with each other, but for HTTP/2 streams.
 */
public interface ConnectionEvents {

	/**
	 * Whether the connection waits for a request: it has not sent one yet, or it is kept
	 * alive after its last response.
	 * @return {@code true} for a connection that no request is running on
	 */
	boolean isIdle();

	/**
	 * Whether the connection has not sent a complete request head yet.
	 * @return {@code true} until its first request starts
	 */
	boolean isNew();

	/**
	 * What the connection speaks now.
	 * @return its protocol
	 */
	Protocol protocol();

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
	 * @param protocol what it speaks now
	 */
	void onUpgraded(Protocol protocol);

	/**
	 * A stream of an HTTP/2 connection is handed to the application. Unlike the other
	 * events, stream events come from the threads that process the streams, concurrently.
	 * @param method the HTTP method
	 * @param target the request path; a query string is stripped
	 * @return the stream, to tell when it completed
	 */
	Stream onStreamStarted(String method, String target);

	/**
	 * The connection is closed, whoever closed it. Calling it again, from any thread, has
	 * no effect.
	 */
	void onClosed();

	/**
	 * One stream of an HTTP/2 connection.
	 */
	interface Stream {

		/**
		 * The stream's response is complete, or the stream was reset. Calling it again has
		 * no effect.
		 */
		void completed();

	}

}
