package io.github.terminator.core.spi;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;

/**
 * What adapters do to a connection's socket themselves.
 */
public final class Sockets {

	private Sockets() {
	}

	/**
	 * Makes the next close of a socket reset it ({@code SO_LINGER} 0) instead of ending it
	 * with a FIN: for a connection closed by force, whose response is cut. A FIN would end
	 * a response delimited by the end of the connection (one sent with
	 * {@code Connection: close} and no length, as servers send it while terminating) the
	 * way its real end would: the client, or a proxy in front, would take what it got for
	 * the whole answer. A reset is a cut whatever the response's framing.
	 * @param channel the socket's channel; one that does not support the option, or is
	 * closed, is left as it is
	 */
	public static void resetOnClose(NetworkChannel channel) {
		try {
			if (channel.supportedOptions().contains(StandardSocketOptions.SO_LINGER)) {
				channel.setOption(StandardSocketOptions.SO_LINGER, 0);
			}
		}
		catch (IOException | RuntimeException ex) {
			// Closed already: nothing is left to cut.
		}
	}

}
