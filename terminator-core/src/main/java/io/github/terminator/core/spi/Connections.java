package io.github.terminator.core.spi;

/**
 * The connections of one server, as its adapter reports them: each one from its accept,
 * and the one decision the server asks on every response.
 */
public interface Connections {

	/**
	 * Registers a connection that was just accepted, before a byte of it is read.
	 * @param control the adapter's handle on the connection
	 * @return where the adapter reports the connection's transitions
	 */
	ConnectionEvents open(ConnectionControl control);

	/**
	 * Whether every response not yet committed must carry {@code Connection: close}, and
	 * its connection be closed after it, because a termination is under way.
	 * @return {@code true} while connections are being closed after their response
	 */
	boolean isClosingConnections();

}
