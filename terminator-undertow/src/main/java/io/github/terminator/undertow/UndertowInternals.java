package io.github.terminator.undertow;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.function.UnaryOperator;

import io.undertow.Undertow;
import io.undertow.Undertow.ListenerInfo;
import io.undertow.Version;
import io.undertow.server.OpenListener;
import io.undertow.server.protocol.framed.AbstractFramedChannel;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.server.protocol.http.HttpServerConnection;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.channels.AcceptingChannel;

/**
 * Every reliance of terminator on a member of Undertow that is not public API, in one
 * place. Each lookup happens when the class loads, so that an Undertow upgrade that breaks
 * one fails at start-up (and in {@code UndertowInternalsTests}), not in the middle of a
 * shutdown.
 * <p>
 * Checked against Undertow 2.3; these fields are unchanged from 2.0 to 2.4.
 */
final class UndertowInternals {

	private static final Field OPEN_LISTENER;

	private static final Field CHANNEL;

	private static final Field CONNECTIONS;

	/** {@code AbstractFramedChannel$FrameCloseListener}: private. */
	private static final Class<?> FRAME_CLOSE_LISTENER;

	/** The framed channel a {@code FrameCloseListener} belongs to (its enclosing instance). */
	private static final Field FRAMED_CHANNEL;

	static {
		try {
			OPEN_LISTENER = accessible(ListenerInfo.class.getDeclaredField("openListener"));
			CHANNEL = accessible(ListenerInfo.class.getDeclaredField("channel"));
			CONNECTIONS = accessible(HttpOpenListener.class.getDeclaredField("connections"));
			FRAME_CLOSE_LISTENER = Class.forName(AbstractFramedChannel.class.getName() + "$FrameCloseListener", false,
					AbstractFramedChannel.class.getClassLoader());
			FRAMED_CHANNEL = accessible(enclosingInstance(FRAME_CLOSE_LISTENER));
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException(
					"terminator does not support this version of Undertow (" + Version.getVersionString() + "): " + ex,
					ex);
		}
	}

	private UndertowInternals() {
	}

	private static Field enclosingInstance(Class<?> inner) throws NoSuchFieldException {
		for (Field field : inner.getDeclaredFields()) {
			if (AbstractFramedChannel.class.isAssignableFrom(field.getType())) {
				return field;
			}
		}
		throw new NoSuchFieldException(inner.getName() + " has no field of type " + AbstractFramedChannel.class.getName());
	}

	/**
	 * The framed channel that took an upgraded connection over: a {@code WebSocketChannel},
	 * or an {@code Http2Channel} for h2c. Undertow keeps no public link from the connection
	 * to it; the channel sets its close listener on the connection's source channel. Call
	 * it on the connection's IO thread.
	 * @return the channel, or {@code null} while the connection speaks HTTP/1.1 or the
	 * {@code 101} response is being written
	 */
	static AbstractFramedChannel<?, ?, ?> framedChannel(HttpServerConnection connection) {
		Object listener = connection.getChannel().getSourceChannel().getCloseListener();
		return FRAME_CLOSE_LISTENER.isInstance(listener) ? (AbstractFramedChannel<?, ?, ?>) get(FRAMED_CHANNEL, listener)
				: null;
	}

	/**
	 * The thread that accepts a listener's connections, and one accept round of it, for a
	 * listener of XNIO's NIO transport ({@code QueuedNioTcpServer2}, under Undertow's TLS
	 * channel for HTTPS): the thread takes connections from the kernel and queues each
	 * for its IO thread, which hands it to Undertow.
	 * @return the thread and its round, or {@code null} for another listener
	 */
	static AcceptRound acceptRound(AcceptingChannel<? extends StreamConnection> channel) {
		if (!Xnio.RESOLVED) {
			return null;
		}
		Object server = Xnio.SSL_CHANNEL.isInstance(channel) ? get(Xnio.SSL_TCP_SERVER, channel) : channel;
		if (!Xnio.QUEUED_SERVER.isInstance(server)) {
			return null;
		}
		XnioIoThread thread = (XnioIoThread) invoke(Xnio.ACCEPT_THREAD, ((AcceptingChannel<?>) server).getWorker());
		return new AcceptRound(thread, () -> invoke(Xnio.HANDLE_READY, server));
	}

	/**
	 * The socket of a plain connection of XNIO's NIO transport, for a FIN that XNIO does
	 * not see: shutting its output down through XNIO marks the connection half-closed,
	 * which then makes every select of its IO thread report it ready.
	 * @return the socket, or {@code null} for a TLS connection or another transport
	 */
	static SocketChannel socketChannel(StreamConnection connection) {
		if (!Xnio.RESOLVED || !Xnio.SOCKET_CONNECTION.isInstance(connection)) {
			return null;
		}
		return (SocketChannel) invoke(Xnio.SOCKET_CHANNEL, connection);
	}

	/**
	 * The thread that accepts a listener's connections, and one round of its accepts:
	 * up to 128 connections taken from the kernel's backlog. Run the round on the thread.
	 */
	record AcceptRound(XnioIoThread thread, Runnable round) {
	}

	private static Object invoke(Method method, Object target) {
		try {
			return method.invoke(target);
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException("Cannot call " + method, ex);
		}
		catch (InvocationTargetException ex) {
			throw new IllegalStateException(method + " failed", ex.getCause());
		}
	}

	/**
	 * XNIO's NIO listener, looked up apart: an application may run Undertow on another
	 * XNIO transport, whose listener is closed as it comes.
	 */
	static final class Xnio {

		static final Class<?> QUEUED_SERVER;

		/** {@code QueuedNioTcpServer2#handleReady()}: package-private. */
		static final Method HANDLE_READY;

		/** {@code NioXnioWorker#getAcceptThread()}: package-private. */
		static final Method ACCEPT_THREAD;

		static final Class<?> SSL_CHANNEL;

		/** {@code UndertowAcceptingSslChannel#tcpServer}: private. */
		static final Field SSL_TCP_SERVER;

		static final Class<?> SOCKET_CONNECTION;

		/** {@code NioSocketStreamConnection#getChannel()}: package-private. */
		static final Method SOCKET_CHANNEL;

		static final boolean RESOLVED;

		static {
			Class<?> queuedServer = null;
			Method handleReady = null;
			Method acceptThread = null;
			Class<?> sslChannel = null;
			Field sslTcpServer = null;
			Class<?> socketConnection = null;
			Method socketChannel = null;
			try {
				ClassLoader loader = AcceptingChannel.class.getClassLoader();
				queuedServer = Class.forName("org.xnio.nio.QueuedNioTcpServer2", false, loader);
				handleReady = queuedServer.getDeclaredMethod("handleReady");
				handleReady.setAccessible(true);
				acceptThread = Class.forName("org.xnio.nio.NioXnioWorker", false, loader)
					.getDeclaredMethod("getAcceptThread");
				acceptThread.setAccessible(true);
				sslChannel = Class.forName("io.undertow.protocols.ssl.UndertowAcceptingSslChannel", false,
						Undertow.class.getClassLoader());
				sslTcpServer = accessible(sslChannel.getDeclaredField("tcpServer"));
				socketConnection = Class.forName("org.xnio.nio.NioSocketStreamConnection", false, loader);
				socketChannel = socketConnection.getDeclaredMethod("getChannel");
				socketChannel.setAccessible(true);
			}
			catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
				queuedServer = null;
			}
			QUEUED_SERVER = queuedServer;
			HANDLE_READY = handleReady;
			ACCEPT_THREAD = acceptThread;
			SSL_CHANNEL = sslChannel;
			SSL_TCP_SERVER = sslTcpServer;
			SOCKET_CONNECTION = socketConnection;
			SOCKET_CHANNEL = socketChannel;
			RESOLVED = queuedServer != null;
		}

		private Xnio() {
		}

	}

	private static Field accessible(Field field) {
		field.setAccessible(true);
		return field;
	}

	/**
	 * The open listener of a listener: the {@link HttpOpenListener} for HTTP and HTTPS,
	 * an ALPN listener in front of it when HTTP/2 is enabled.
	 */
	static OpenListener openListener(ListenerInfo listener) {
		return (OpenListener) get(OPEN_LISTENER, listener);
	}

	/**
	 * The socket a listener accepts connections on ({@link Undertow#stop()} is the only
	 * public way to close it, and it takes every connection with it).
	 */
	static AcceptingChannel<? extends StreamConnection> channel(ListenerInfo listener) {
		return (AcceptingChannel<? extends StreamConnection>) get(CHANNEL, listener);
	}

	/**
	 * Replaces the set an {@link HttpOpenListener} adds each connection to when it accepts
	 * it and removes it from when it closes, the only place a connection that has not
	 * sent a request yet can be seen.
	 */
	@SuppressWarnings("unchecked")
	static void replaceConnections(HttpOpenListener listener,
			UnaryOperator<Set<HttpServerConnection>> replacement) {
		Set<HttpServerConnection> existing = (Set<HttpServerConnection>) get(CONNECTIONS, listener);
		try {
			CONNECTIONS.set(listener, replacement.apply(existing));
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException("Cannot track the connections of " + listener, ex);
		}
	}

	@SuppressWarnings("unchecked")
	static Set<HttpServerConnection> connections(HttpOpenListener listener) {
		return (Set<HttpServerConnection>) get(CONNECTIONS, listener);
	}

	private static Object get(Field field, Object target) {
		try {
			return field.get(target);
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException("Cannot read " + field, ex);
		}
	}

}
