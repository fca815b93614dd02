package io.github.terminator.jetty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.eclipse.jetty.server.ServerConnector;

/**
 * Closes the listening socket of a {@link ServerConnector} without resetting the
 * connections waiting in its backlog.
 * <p>
 * Closing a listening socket resets every connection the kernel has accepted and no
 * thread has taken yet, and {@link ServerConnector#close()} does no more than that: its
 * clients' connect had succeeded and they may have written their requests. So the
 * connector's acceptor threads are stopped first, each after at most one more accept,
 * then every connection left in the backlog is taken and handed to the connector's
 * selectors, as its acceptors would have, and the socket is closed right after the accept
 * that found the backlog empty: what arrives between the two is the kernel's, a matter of
 * microseconds.
 */
final class ListenerClose {

	private static final int WAKE_TIMEOUT_MILLIS = 1000;

	private ListenerClose() {
	}

	/**
	 * Closes the listener of a connector, serving its backlog.
	 * @param connector the connector
	 * @param wake told of the local address of each connection terminator opens to wake an
	 * acceptor thread, before it connects, so that it is not tracked if Jetty accepts it
	 * @throws IOException if the backlog could not be read or the socket closed
	 */
	static void closeServingBacklog(ServerConnector connector, Consumer<SocketAddress> wake) throws IOException {
		if (!(connector.getTransport() instanceof ServerSocketChannel channel) || !channel.isOpen()) {
			connector.close();
			return;
		}
		List<Socket> wakes = new ArrayList<>();
		try {
			// Each acceptor thread checks this before it accepts: one blocked in accept()
			// takes one more connection, then waits. With no acceptor thread, the selector
			// stops accepting.
			connector.setAccepting(false);
			boolean acceptorsStopped = !channel.isBlocking()
					|| wakeAcceptors(channel, connector.getAcceptors(), wakes, wake);
			if (acceptorsStopped) {
				// Waits for the acceptors blocked in accept() to take their connection: there
				// is one for each of them now. A late one that accepts after this finds the
				// backlog empty, and Jetty logs an "Accept Failure" before it waits.
				channel.configureBlocking(false);
				serveBacklog(connector, channel, wakes);
			}
		}
		finally {
			try {
				connector.close();
				// With acceptors = 0 Jetty's close() leaves the socket open, still accepting
				// through the selector, until the connector stops.
				channel.close();
			}
			finally {
				for (Socket socket : wakes) {
					closeQuietly(socket);
				}
			}
		}
	}

	/**
	 * Opens one connection for each acceptor thread, so that one blocked in accept()
	 * returns from it and sees that it must stop.
	 * @return whether every connection was made
	 */
	private static boolean wakeAcceptors(ServerSocketChannel channel, int acceptors, List<Socket> wakes,
			Consumer<SocketAddress> wake) {
		try {
			InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
			InetAddress address = local.getAddress().isAnyLocalAddress() ? InetAddress.getLoopbackAddress()
					: local.getAddress();
			for (int i = 0; i < acceptors; i++) {
				Socket socket = new Socket();
				wakes.add(socket);
				// No TIME_WAIT left behind.
				socket.setSoLinger(true, 0);
				socket.bind(new InetSocketAddress(address, 0));
				wake.accept(socket.getLocalSocketAddress());
				socket.connect(new InetSocketAddress(address, local.getPort()), WAKE_TIMEOUT_MILLIS);
			}
			return true;
		}
		catch (IOException | RuntimeException ex) {
			// An acceptor may still be blocked in accept(): left to Jetty's own close.
			return false;
		}
	}

	private static void serveBacklog(ServerConnector connector, ServerSocketChannel channel, List<Socket> wakes)
			throws IOException {
		SocketChannel accepted;
		while ((accepted = channel.accept()) != null) {
			if (isWake(accepted, wakes)) {
				closeQuietly(accepted);
				continue;
			}
			try {
				handOver(connector, accepted);
			}
			catch (IOException | RuntimeException ex) {
				closeQuietly(accepted);
			}
		}
	}

	/**
	 * What {@code ServerConnector.accepted(SocketChannel)} (private) does with the
	 * connections its acceptors take, through public API.
	 */
	private static void handOver(ServerConnector connector, SocketChannel channel) throws IOException {
		channel.configureBlocking(false);
		Socket socket = channel.socket();
		socket.setTcpNoDelay(connector.getAcceptedTcpNoDelay());
		if (connector.getAcceptedReceiveBufferSize() > -1) {
			socket.setReceiveBufferSize(connector.getAcceptedReceiveBufferSize());
		}
		if (connector.getAcceptedSendBufferSize() > -1) {
			socket.setSendBufferSize(connector.getAcceptedSendBufferSize());
		}
		connector.getSelectorManager().accept(channel);
	}

	private static boolean isWake(SocketChannel accepted, List<Socket> wakes) throws IOException {
		SocketAddress remote = accepted.getRemoteAddress();
		for (Socket socket : wakes) {
			if (socket.getLocalSocketAddress().equals(remote)) {
				return true;
			}
		}
		return false;
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// Nothing more to do with it.
		}
	}

}
