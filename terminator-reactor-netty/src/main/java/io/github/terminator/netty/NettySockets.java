package io.github.terminator.netty;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.nio.AbstractNioChannel;

/**
 * Reads what the kernel holds for a connection or a listener, outside Netty's own read
 * loop, and sends a connection's FIN before its close: the one place this adapter goes
 * below Netty's pipeline, through the transports' public API (NIO's {@code NioUnsafe},
 * the epoll channel's file descriptor) but for one package-private method of the epoll
 * transport (its listener's accept round).
 */
final class NettySockets {

	private static final int CHUNK = 8192;

	private static final boolean EPOLL = isPresent("io.netty.channel.epoll.EpollSocketChannel");

	private NettySockets() {
	}

	/**
	 * Reads, on the channel's event loop, the bytes that have arrived on it and Netty has
	 * not read yet, and gives them to its pipeline as a read would: closing a socket with
	 * unread bytes resets it, and its client loses a request it has written.
	 * @param channel a connection's channel
	 * @return whether bytes had arrived; {@code false} also for a transport this class
	 * cannot read (the connection is then closed without looking)
	 */
	static boolean readWaiting(Channel channel) {
		ByteBuf buffer = channel.alloc().directBuffer(CHUNK);
		int total = 0;
		try {
			// Once the pipeline has closed the channel, its descriptor may be another
			// socket's already: reading on would take that connection's bytes.
			while (channel.isOpen()) {
				int read = read(channel, buffer);
				if (read <= 0) {
					break;
				}
				total += read;
				buffer.writerIndex(buffer.writerIndex() + read);
				if (!buffer.isWritable()) {
					channel.pipeline().fireChannelRead(buffer);
					buffer = channel.alloc().directBuffer(CHUNK);
				}
			}
		}
		catch (IOException ex) {
			// A reset connection: nothing waits on it.
		}
		if (buffer.isReadable()) {
			channel.pipeline().fireChannelRead(buffer);
		}
		else {
			buffer.release();
		}
		if (total > 0) {
			channel.pipeline().fireChannelReadComplete();
		}
		return total > 0;
	}

	/**
	 * Sends a connection's FIN below its pipeline, which sees nothing of it: its close,
	 * through the pipeline, follows at once.
	 * @param channel a connection's channel, on whose event loop this is called
	 */
	static void shutdownOutput(Channel channel) {
		try {
			if (channel.unsafe() instanceof AbstractNioChannel.NioUnsafe nio) {
				if (nio.ch() instanceof SocketChannel socket) {
					socket.shutdownOutput();
				}
			}
			else if (EPOLL) {
				Epoll.shutdownOutput(channel);
			}
		}
		catch (IOException ex) {
			// Closed by its client already: the close follows.
		}
	}

	/**
	 * Runs, on the listener's event loop, one accept round of a listener, as Netty's own
	 * would when the kernel says connections wait: each connection accepted goes through
	 * the listener's pipeline, and on to its event loop to be served.
	 * @param listener a server channel, on whose event loop this is called
	 * @return {@code false} for a transport this class cannot accept on
	 */
	static boolean acceptWaiting(Channel listener) {
		if (listener.unsafe() instanceof AbstractNioChannel.NioUnsafe nio) {
			nio.read();
			return true;
		}
		return EPOLL && Epoll.accept(listener);
	}

	/**
	 * Whether this class can run the accept round of a listener of the given type.
	 * @param listenerType a server channel's class
	 * @return {@code false} for a transport it cannot accept on
	 */
	static boolean canAccept(Class<?> listenerType) {
		return AbstractNioChannel.class.isAssignableFrom(listenerType) || (EPOLL && Epoll.canAccept(listenerType));
	}

	/**
	 * Reads once into the buffer's writable part, without blocking.
	 * @return the bytes read, 0 when none waits or the transport is unknown, -1 at the end
	 */
	private static int read(Channel channel, ByteBuf buffer) throws IOException {
		ByteBuffer target = buffer.nioBuffer(buffer.writerIndex(), buffer.writableBytes());
		if (channel.unsafe() instanceof AbstractNioChannel.NioUnsafe nio) {
			SelectableChannel selectable = nio.ch();
			return (selectable instanceof SocketChannel socket) ? socket.read(target) : 0;
		}
		if (EPOLL) {
			return Epoll.read(channel, target);
		}
		return 0;
	}

	private static boolean isPresent(String className) {
		try {
			Class.forName(className, false, NettySockets.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

	/**
	 * The epoll transport, Reactor Netty's default on Linux; loaded only where it is.
	 */
	private static final class Epoll {

		/** The accept round of the epoll listener's unsafe, package-private. */
		private static final Method IN_READY = inReady();

		static boolean canAccept(Class<?> listenerType) {
			return IN_READY != null && io.netty.channel.epoll.EpollServerSocketChannel.class.isAssignableFrom(listenerType);
		}

		static boolean accept(Channel listener) {
			if (IN_READY == null || !(listener instanceof io.netty.channel.epoll.EpollServerSocketChannel)) {
				return false;
			}
			try {
				IN_READY.invoke(listener.unsafe());
				return true;
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("Netty's epoll accept round failed", ex);
			}
		}

		private static Method inReady() {
			try {
				Method method = Class
					.forName("io.netty.channel.epoll.AbstractEpollChannel$AbstractEpollUnsafe", false,
							NettySockets.class.getClassLoader())
					.getDeclaredMethod("epollInReady");
				method.setAccessible(true);
				return method;
			}
			catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
				return null;
			}
		}

		static void shutdownOutput(Channel channel) throws IOException {
			if (channel instanceof io.netty.channel.epoll.EpollSocketChannel epoll
					&& epoll.fd() instanceof io.netty.channel.unix.Socket socket) {
				socket.shutdown(false, true);
			}
		}

		static int read(Channel channel, ByteBuffer target) throws IOException {
			if (channel instanceof io.netty.channel.epoll.EpollSocketChannel epoll) {
				return epoll.fd().read(target, target.position(), target.limit());
			}
			return 0;
		}

	}

}
