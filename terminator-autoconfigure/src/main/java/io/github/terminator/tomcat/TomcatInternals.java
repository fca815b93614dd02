package io.github.terminator.tomcat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.function.UnaryOperator;

import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.ActionHook;
import org.apache.coyote.Processor;
import org.apache.coyote.Response;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Every reliance of terminator on a member of Tomcat that is not public API, in one place.
 * Each lookup happens when the class loads, so that a Tomcat upgrade that breaks one fails
 * at start-up (and in {@code TomcatInternalsTests}), not in the middle of a shutdown.
 * <p>
 * Checked against Tomcat 10.1. Tomcat 11 changes {@link SocketWrapperBase#getLock()}'s
 * return type, so this class needs a variant there.
 */
final class TomcatInternals {

	private static final Method GET_ENDPOINT;

	private static final Field CONNECTIONS;

	private static final VarHandle RESPONSE_HOOK;

	private static final Field READ_LOCK;

	private static final Field WRITE_LOCK;

	static {
		try {
			GET_ENDPOINT = AbstractProtocol.class.getDeclaredMethod("getEndpoint");
			GET_ENDPOINT.setAccessible(true);
			CONNECTIONS = AbstractEndpoint.class.getDeclaredField("connections");
			CONNECTIONS.setAccessible(true);
			RESPONSE_HOOK = MethodHandles.privateLookupIn(Response.class, MethodHandles.lookup())
				.findVarHandle(Response.class, "hook", ActionHook.class);
			READ_LOCK = NioEndpoint.NioSocketWrapper.class.getDeclaredField("readLock");
			READ_LOCK.setAccessible(true);
			WRITE_LOCK = NioEndpoint.NioSocketWrapper.class.getDeclaredField("writeLock");
			WRITE_LOCK.setAccessible(true);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException("terminator does not support this version of Tomcat ("
					+ Response.class.getPackage().getImplementationVersion() + "): " + ex, ex);
		}
	}

	private TomcatInternals() {
	}

	/**
	 * The endpoint behind a protocol handler ({@code AbstractProtocol.getEndpoint()} is
	 * protected).
	 */
	static AbstractEndpoint<?, ?> endpoint(AbstractProtocol<?> protocol) {
		try {
			return (AbstractEndpoint<?, ?>) GET_ENDPOINT.invoke(protocol);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Cannot reach the endpoint of " + protocol, ex);
		}
	}

	/**
	 * Replaces the endpoint's map of open connections ({@code AbstractEndpoint.connections},
	 * protected, not final). The endpoint adds a connection to it on accept and removes it on
	 * close, which makes it the one place that sees every connection from accept to close.
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	static void replaceConnections(AbstractEndpoint<?, ?> endpoint, UnaryOperator<Map> replacement) {
		try {
			Map current = (Map) CONNECTIONS.get(endpoint);
			CONNECTIONS.set(endpoint, replacement.apply(current));
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException("Cannot replace the connections of " + endpoint, ex);
		}
	}

	/**
	 * The action hook of a response: the processor, through which every commit of the
	 * response goes ({@code Response.hook}, package-private).
	 */
	static ActionHook hook(Response response) {
		return (ActionHook) RESPONSE_HOOK.getVolatile(response);
	}

	static void setHook(Response response, ActionHook hook) {
		RESPONSE_HOOK.setVolatile(response, hook);
	}

	/**
	 * Closes a connection if no request is being processed on it. A worker thread that
	 * processes a connection holds its lock, and a connection waiting between requests has
	 * no processor, or one that is only holding a partial request head; so with the lock
	 * held and no asynchronous or upgraded processor attached, nothing can be running on it.
	 * @return {@code true} if the connection is closed
	 */
	static boolean closeIfIdle(SocketWrapperBase<?> wrapper) {
		Lock lock = wrapper.getLock();
		if (!lock.tryLock()) {
			return false;
		}
		try {
			if (!wrapper.isClosed()) {
				Object processor = wrapper.getCurrentProcessor();
				if (processor instanceof Processor busy && (busy.isAsync() || busy.isUpgrade())) {
					return false;
				}
				wrapper.close();
			}
			return true;
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Wakes the threads blocked reading or writing on a connection that was just closed.
	 * Tomcat's blocking reads and writes wait on the socket wrapper's {@code readLock} and
	 * {@code writeLock} (private) until the poller signals them or their timeout passes
	 * (the connection timeout, 20 s or more); closing the socket signals neither. Woken,
	 * they find the socket closed and fail at once, and their threads are given back.
	 */
	static void wakeBlockedIo(SocketWrapperBase<?> wrapper) {
		if (wrapper instanceof NioEndpoint.NioSocketWrapper) {
			try {
				notifyAll(READ_LOCK.get(wrapper));
				notifyAll(WRITE_LOCK.get(wrapper));
			}
			catch (IllegalAccessException ex) {
				throw new IllegalStateException("Cannot wake the threads blocked on " + wrapper, ex);
			}
		}
	}

	private static void notifyAll(Object lock) {
		synchronized (lock) {
			lock.notifyAll();
		}
	}

	/**
	 * Whether the processor now attached to a connection is running an asynchronous
	 * request.
	 */
	static boolean isAsync(SocketWrapperBase<?> wrapper) {
		return wrapper.getCurrentProcessor() instanceof Processor processor && processor.isAsync();
	}

}
