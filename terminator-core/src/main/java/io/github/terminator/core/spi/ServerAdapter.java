package io.github.terminator.core.spi;

/**
 * The one thing the drain asks of a server as a whole; everything else goes through the
 * {@link ConnectionControl} of each connection the adapter registered.
 */
public interface ServerAdapter {

	/**
	 * Closes every listening socket of the server, so that a new connection is refused,
	 * while the connections already accepted keep being served.
	 * @throws Exception if the server failed to close a listener
	 */
	void stopAccepting() throws Exception;

}
