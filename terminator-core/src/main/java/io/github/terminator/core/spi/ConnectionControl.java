package io.github.terminator.core.spi;

/**
 * What a server adapter lets the core do with one of its connections. Implementations
 * are the only code that touches the server's own connection object.
 */
public interface ConnectionControl {

	/**
	 * Address of the client, as {@code host:port}.
	 * @return the remote address, or {@code "unknown"} when the server no longer knows it
	 */
	String remoteAddress();

	/**
	 * Port of the server socket the connection was accepted on.
	 * @return the local port, or {@code -1} when the server no longer knows it
	 */
	int localPort();

	/**
	 * Closes the connection with a FIN if, and only if, no request is being processed on
	 * it. Must be safe to call from any thread, concurrently with the server's own
	 * threads. A server that must close a connection on its own thread may do it after
	 * returning: if a request starts there first, the request is served and the
	 * connection is left open, and the adapter reports the request as usual.
	 * @return {@code true} if the connection is closed or its close has been handed to the
	 * server, {@code false} if it is busy and was left open
	 */
	boolean closeIfIdle();

	/**
	 * Closes the connection whatever it is doing. Must be safe to call from any thread.
	 */
	void forceClose();

	/**
	 * Tells the client of a connection that switched to another {@link Protocol protocol},
	 * in that protocol, that the server is going
	 * away: a WebSocket close frame with 1001 Going Away, HTTP/2 GOAWAY. The connection
	 * then ends on its own, when the close handshake is over or after its last stream,
	 * and the adapter reports the close as usual. The drain calls it once per connection,
	 * when it starts or when the connection upgrades later. Must be safe to call from any
	 * thread, and must not wait for the client.
	 * @return {@code true} if the client was told, {@code false} if the adapter cannot
	 * tell this connection's protocol: it is then closed by force at the graceful timeout
	 */
	default boolean goAway() {
		return false;
	}

}
