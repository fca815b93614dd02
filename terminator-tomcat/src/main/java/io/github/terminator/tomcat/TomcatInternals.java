package io.github.terminator.tomcat;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

import jakarta.servlet.http.HttpUpgradeHandler;

import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.ActionHook;
import org.apache.coyote.Processor;
import org.apache.coyote.Response;
import org.apache.coyote.UpgradeToken;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.Acceptor;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.apache.tomcat.util.threads.LimitLatch;

/**
 * Every reliance of terminator on a member of Tomcat that is not public API, in one place.
 * Each lookup happens when the class loads, so that a Tomcat upgrade that breaks one fails
 * at start-up (and in {@code TomcatInternalsTests}), not in the middle of a shutdown.
 * <p>
 * Checked against Tomcat 10.1 and 11. One difference is bridged here: Tomcat 11 changes
 * {@link SocketWrapperBase#getLock()}'s return type from {@code Lock} to
 * {@code ReentrantLock}, so a direct call compiled against one fails on the other with a
 * {@link NoSuchMethodError}; it is called through a handle looked up by name.
 */
final class TomcatInternals {

	private static final MethodHandle GET_LOCK;

	private static final Method GET_ENDPOINT;

	private static final Field CONNECTIONS;

	private static final VarHandle RESPONSE_HOOK;

	private static final Field READ_LOCK;

	private static final Field WRITE_LOCK;

	private static final Method GET_BIND_STATE;

	private static final Field ACCEPTOR;

	private static final Field CONNECTION_LIMIT_LATCH;

	private static final int PARK_TIMEOUT_MILLIS = 1000;

	private static final Field SERVER_SOCKET;

	private static final Method SET_SOCKET_OPTIONS;

	private static final Method CLOSE_SOCKET;

	/** {@code org.apache.coyote.http2.Http2UpgradeHandler}: package-private. */
	private static final Class<?> HTTP2_HANDLER;

	/** {@code Http2UpgradeHandler.activeRemoteStreamCount}: protected. */
	private static final Field HTTP2_ACTIVE_STREAMS;

	/** {@code Http2UpgradeHandler.connectionState}: NEW, CONNECTED, PAUSING, PAUSED, CLOSED. */
	private static final Field HTTP2_CONNECTION_STATE;

	/** {@code Http2UpgradeHandler.checkPauseState()}: sends the last GOAWAY once a round trip has passed. */
	private static final Method HTTP2_CHECK_PAUSE_STATE;

	/** {@code AbstractProcessor.getSocketWrapper()}: protected. */
	private static final Method GET_SOCKET_WRAPPER;

	static {
		try {
			GET_LOCK = MethodHandles.publicLookup()
				.unreflect(SocketWrapperBase.class.getMethod("getLock"))
				.asType(MethodType.methodType(Lock.class, SocketWrapperBase.class));
			GET_ENDPOINT = accessible(AbstractProtocol.class.getDeclaredMethod("getEndpoint"));
			CONNECTIONS = accessible(AbstractEndpoint.class.getDeclaredField("connections"));
			RESPONSE_HOOK = MethodHandles.privateLookupIn(Response.class, MethodHandles.lookup())
				.findVarHandle(Response.class, "hook", ActionHook.class);
			READ_LOCK = accessible(NioEndpoint.NioSocketWrapper.class.getDeclaredField("readLock"));
			WRITE_LOCK = accessible(NioEndpoint.NioSocketWrapper.class.getDeclaredField("writeLock"));
			GET_BIND_STATE = accessible(AbstractEndpoint.class.getDeclaredMethod("getBindState"));
			ACCEPTOR = accessible(AbstractEndpoint.class.getDeclaredField("acceptor"));
			CONNECTION_LIMIT_LATCH = accessible(AbstractEndpoint.class.getDeclaredField("connectionLimitLatch"));
			SERVER_SOCKET = accessible(NioEndpoint.class.getDeclaredField("serverSock"));
			SET_SOCKET_OPTIONS = accessible(NioEndpoint.class.getDeclaredMethod("setSocketOptions", SocketChannel.class));
			CLOSE_SOCKET = accessible(AbstractEndpoint.class.getDeclaredMethod("closeSocket", Object.class));
			HTTP2_HANDLER = Class.forName("org.apache.coyote.http2.Http2UpgradeHandler", false,
					AbstractProtocol.class.getClassLoader());
			HTTP2_ACTIVE_STREAMS = accessible(HTTP2_HANDLER.getDeclaredField("activeRemoteStreamCount"));
			HTTP2_CONNECTION_STATE = accessible(HTTP2_HANDLER.getDeclaredField("connectionState"));
			HTTP2_CHECK_PAUSE_STATE = accessible(HTTP2_HANDLER.getDeclaredMethod("checkPauseState"));
			GET_SOCKET_WRAPPER = accessible(AbstractProcessor.class.getDeclaredMethod("getSocketWrapper"));
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException("terminator does not support this version of Tomcat ("
					+ Response.class.getPackage().getImplementationVersion() + "): " + ex, ex);
		}
	}

	private TomcatInternals() {
	}

	/**
	 * The upgrade handler of an upgraded connection. Call it right after the connection
	 * handler returned from processing the connection, when its processor is attached.
	 * @return the handler, or {@code null} if the connection is not upgraded
	 */
	static HttpUpgradeHandler upgradeHandler(SocketWrapperBase<?> wrapper) {
		if (wrapper.getCurrentProcessor() instanceof Processor processor && processor.isUpgrade()) {
			UpgradeToken token = processor.getUpgradeToken();
			return (token != null) ? token.getHttpUpgradeHandler() : null;
		}
		return null;
	}

	/**
	 * The connection of the processor behind a response: for an HTTP/2 stream, its
	 * connection's.
	 * @return the connection, or {@code null} when the hook is no processor
	 */
	static SocketWrapperBase<?> socketWrapper(ActionHook hook) {
		if (!(hook instanceof AbstractProcessor processor)) {
			return null;
		}
		try {
			return (SocketWrapperBase<?>) GET_SOCKET_WRAPPER.invoke(processor);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Cannot read the connection of " + processor, ex);
		}
	}

	static boolean isHttp2(HttpUpgradeHandler handler) {
		return HTTP2_HANDLER.isInstance(handler);
	}

	/**
	 * Moves a paused HTTP/2 connection on: sends the last GOAWAY, with the id of the last
	 * stream processed, once a round trip has passed since the first (Tomcat's own
	 * condition, checked otherwise only when the client opens a stream).
	 * @return {@code true} once the last GOAWAY was sent and no stream is open: the
	 * connection may be closed
	 */
	static boolean http2Drained(HttpUpgradeHandler http2) {
		try {
			String state = String.valueOf(((AtomicReference<?>) HTTP2_CONNECTION_STATE.get(http2)).get());
			if ("PAUSING".equals(state)) {
				HTTP2_CHECK_PAUSE_STATE.invoke(http2);
				return false;
			}
			return "PAUSED".equals(state) && ((AtomicInteger) HTTP2_ACTIVE_STREAMS.get(http2)).get() == 0;
		}
		catch (InvocationTargetException ex) {
			// Writing the GOAWAY failed: the connection is broken, and Tomcat closes it.
			return false;
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException("Cannot drain " + http2, ex);
		}
	}

	private static <T extends AccessibleObject> T accessible(T member) {
		member.setAccessible(true);
		return member;
	}

	/**
	 * Closes the listening socket of a connector without resetting a connection the kernel
	 * has accepted. Closing a listener resets every connection waiting in its backlog,
	 * whose clients' connect had succeeded and who have written their requests; and
	 * Tomcat's acceptor, once told to stop, still takes one more connection and resets it.
	 * So the acceptor is parked first: the connection limit is set to 0, and the acceptor
	 * woken with a connection of terminator's own, which {@code ignoreRemotePort} is told
	 * of so that it is not tracked; Tomcat serves it, or a client that came first, like any
	 * other, then waits for the limit. Then it is told to stop, every connection waiting in
	 * the backlog is accepted and handed to Tomcat, to be served, and the socket is closed
	 * right after the accept that found the backlog empty: what arrives between the two is
	 * the kernel's, a matter of microseconds. Tomcat's own graceful close then ends the
	 * acceptor, which it wakes with a connection of its own: on a stand-in socket, so that
	 * its last accept cannot take a client.
	 * @param protocol the connector's protocol
	 * @param ignoreRemotePort told of the local port of the connection that wakes the
	 * acceptor, before it connects
	 * @throws IOException if the backlog could not be read
	 */
	static void closeListenerServingItsBacklog(AbstractProtocol<?> protocol, IntConsumer ignoreRemotePort)
			throws IOException {
		AbstractEndpoint<?, ?> endpoint = endpoint(protocol);
		try {
			if (endpoint instanceof NioEndpoint nio && nio.getUnixDomainSocketPath() == null) {
				ServerSocketChannel server = (ServerSocketChannel) SERVER_SOCKET.get(nio);
				LimitLatch limit = (LimitLatch) CONNECTION_LIMIT_LATCH.get(nio);
				Acceptor<?> acceptor = (Acceptor<?>) ACCEPTOR.get(nio);
				if ("BOUND_ON_START".equals(String.valueOf(GET_BIND_STATE.invoke(nio))) && server != null
						&& server.isOpen() && limit != null && acceptor != null) {
					limit.setLimit(0);
					if (parkAcceptor(server, limit, ignoreRemotePort)) {
						acceptor.stopMillis(-1);
						ServerSocketChannel standIn = standIn(server);
						try {
							serveBacklogAndClose(nio, server);
						}
						finally {
							SERVER_SOCKET.set(nio, standIn);
						}
					}
				}
			}
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Cannot serve the backlog of " + protocol, ex);
		}
		finally {
			// Whatever happened above, Tomcat's own close releases the acceptor and closes
			// what is left open.
			protocol.closeServerSocketGraceful();
		}
	}

	/**
	 * A listening socket on a port of its own, on the listener's loopback address, for
	 * Tomcat's acceptor to take its last connection from.
	 */
	private static ServerSocketChannel standIn(ServerSocketChannel server) throws IOException {
		ServerSocketChannel standIn = ServerSocketChannel.open();
		standIn.bind(new InetSocketAddress(wakeAddress(server), 0), 1);
		return standIn;
	}

	private static InetAddress wakeAddress(ServerSocketChannel server) throws IOException {
		InetSocketAddress local = (InetSocketAddress) server.getLocalAddress();
		return local.getAddress().isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : local.getAddress();
	}

	/**
	 * Wakes the acceptor, if it is waiting for a connection, and waits until it waits for
	 * the connection limit instead.
	 * @return whether the acceptor is parked, which it is within a few milliseconds
	 */
	private static boolean parkAcceptor(ServerSocketChannel server, LimitLatch limit, IntConsumer ignoreRemotePort) {
		if (limit.hasQueuedThreads()) {
			return true;
		}
		try {
			InetAddress address = wakeAddress(server);
			int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
			try (Socket wake = new Socket()) {
				wake.setSoLinger(true, 0);
				wake.bind(new InetSocketAddress(address, 0));
				ignoreRemotePort.accept(wake.getLocalPort());
				wake.connect(new InetSocketAddress(address, port), PARK_TIMEOUT_MILLIS);
				long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PARK_TIMEOUT_MILLIS);
				while (!limit.hasQueuedThreads() && System.nanoTime() - deadline < 0) {
					LockSupport.parkNanos(100_000);
				}
			}
		}
		catch (IOException ex) {
			// Left to Tomcat's own close, as without terminator.
		}
		return limit.hasQueuedThreads();
	}

	private static void serveBacklogAndClose(NioEndpoint endpoint, ServerSocketChannel server)
			throws IOException, ReflectiveOperationException {
		try {
			server.configureBlocking(false);
			SocketChannel socket;
			while ((socket = server.accept()) != null) {
				if (!(boolean) SET_SOCKET_OPTIONS.invoke(endpoint, socket)) {
					CLOSE_SOCKET.invoke(endpoint, socket);
				}
			}
		}
		finally {
			server.close();
		}
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
	 * The lock a worker thread holds while it processes the connection.
	 */
	private static Lock lock(SocketWrapperBase<?> wrapper) {
		try {
			return (Lock) GET_LOCK.invokeExact((SocketWrapperBase) wrapper);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Closes a connection if no request is being processed on it, nor waiting to be. A
	 * worker thread that processes a connection holds its lock, and a connection waiting
	 * between requests has no processor, or one that is only holding a partial request
	 * head; so with the lock held and no asynchronous or upgraded processor attached,
	 * nothing can be running on it. A request whose bytes have arrived but that no thread
	 * has started on yet is not closed: the bytes are read into Tomcat's buffer and the
	 * connection handed to a worker, which serves the request.
	 * @return {@code true} if the connection is closed
	 */
	static boolean closeIfIdle(SocketWrapperBase<?> wrapper, AbstractEndpoint<?, ?> endpoint) {
		Lock lock = lock(wrapper);
		if (!lock.tryLock()) {
			return false;
		}
		try {
			if (wrapper.isClosed()) {
				return true;
			}
			Object processor = wrapper.getCurrentProcessor();
			if (processor instanceof Processor busy && (busy.isAsync() || busy.isUpgrade())) {
				return false;
			}
			if (!wrapper.getSocketBufferHandler().isReadBufferEmpty()) {
				// Read from the socket earlier, and handed to a worker then.
				return false;
			}
			if (!readWaitingBytes(wrapper)) {
				wrapper.close();
				return true;
			}
		}
		finally {
			lock.unlock();
		}
		// Outside the lock, which the worker takes.
		dispatch(endpoint, wrapper);
		return false;
	}

	/**
	 * Moves the bytes the kernel holds for a connection into Tomcat's read buffer, where
	 * the processing of the connection reads first. Closing a socket with unread bytes
	 * would reset it: the client would lose a request it has written.
	 * @return whether any byte arrived
	 */
	private static boolean readWaitingBytes(SocketWrapperBase<?> wrapper) {
		try {
			wrapper.read(false, ByteBuffer.allocate(0));
		}
		catch (IOException | IllegalStateException ex) {
			// The client closed the connection, or is still in its TLS handshake: no
			// request has arrived.
			return false;
		}
		return !wrapper.getSocketBufferHandler().isReadBufferEmpty();
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static void dispatch(AbstractEndpoint endpoint, SocketWrapperBase wrapper) {
		// The poller will not see these bytes any more: they have left the socket.
		endpoint.processSocket(wrapper, SocketEvent.OPEN_READ, true);
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
