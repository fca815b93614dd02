package io.github.terminator.undertow;

import java.lang.reflect.Field;
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
