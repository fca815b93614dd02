package io.github.terminator.undertow;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSession;

import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.IdleCloses;
import io.github.terminator.core.spi.Protocol;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.framed.AbstractFramedChannel;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.Headers;
import io.undertow.websockets.core.WebSocketChannel;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.ssl.SslConnection;

/**
 * terminator's handle on one Undertow HTTP/1.1 connection. Undertow's connections belong
 * to their IO thread: everything that touches one from elsewhere runs there.
 */
final class UndertowConnection implements ConnectionControl, ExchangeCompletionListener {

	/**
	 * How often to look again whether the last response of a connection that Undertow is
	 * closing has left the server.
	 */
	private static final long FLUSH_RETRY_MILLIS = 5;

	private final HttpServerConnection connection;

	private final IdleCloses<XnioIoThread, UndertowConnection> idleCloses;

	/**
	 * Set on the IO thread right after the connection is registered, which publishes it to
	 * the drain: the drain's thread may see it unset for a moment.
	 */
	private volatile ConnectionEvents tracked;

	/** Whether the connection's TLS handshake is under way. */
	private volatile boolean handshaking;

	UndertowConnection(HttpServerConnection connection, IdleCloses<XnioIoThread, UndertowConnection> idleCloses) {
		this.connection = connection;
		this.idleCloses = idleCloses;
	}

	/**
	 * Starts tracking the connection, on its IO thread, where its TLS handshake, if any,
	 * runs too.
	 */
	@SuppressWarnings("unchecked")
	void track(ConnectionEvents tracked) {
		this.tracked = tracked;
		if (this.connection.getChannel() instanceof SslConnection tls && !isHandshakeComplete(tls)) {
			this.handshaking = true;
			((ChannelListener.Setter<SslConnection>) tls.getHandshakeSetter()).set((done) -> {
				this.handshaking = false;
				tracked.onHandshakeCompleted();
			});
		}
	}

	/**
	 * Whether a TLS connection has a session yet: during its first handshake, it has the
	 * null session. With ALPN, the connection is created once the handshake is over.
	 */
	private static boolean isHandshakeComplete(SslConnection tls) {
		SSLSession session = tls.getSslSession();
		return session != null && !"SSL_NULL_WITH_NULL_NULL".equals(session.getCipherSuite());
	}

	ConnectionEvents tracked() {
		return this.tracked;
	}

	@Override
	public String remoteAddress() {
		InetSocketAddress peer = this.connection.getPeerAddress(InetSocketAddress.class);
		return (peer != null) ? peer.getAddress().getHostAddress() + ":" + peer.getPort() : "unknown";
	}

	@Override
	public int localPort() {
		InetSocketAddress local = this.connection.getLocalAddress(InetSocketAddress.class);
		return (local != null) ? local.getPort() : -1;
	}

	/**
	 * Hands the close to the connection's IO thread, which is also the thread that parses
	 * requests and starts their handling: if a request started first, it sees the
	 * connection {@link ConnectionState#ACTIVE ACTIVE} and leaves it open, and if the bytes
	 * of one have arrived without being read yet, it hands them to Undertow, which serves
	 * the request. The close comes in a batch, with the other connections handed over
	 * since the IO thread last ran one ({@link IdleCloses}).
	 */
	@Override
	public boolean closeIfIdle() {
		if (this.handshaking && this.connection.isOpen()) {
			// Its client writes its request as soon as the handshake ends, which a busy
			// machine can make last longer than the quiet window of a new connection.
			return false;
		}
		if (!isIdle()) {
			return !this.connection.isOpen();
		}
		this.idleCloses.close(this.connection.getIoThread(), this);
		return true;
	}

	/**
	 * On the IO thread: if the connection is still waiting for a request and none has
	 * arrived, closes its socket, which sends its client the FIN, before the connection is
	 * closed in Undertow with the rest of its batch. The socket is closed, not only shut
	 * down for output: one only shut down stays registered, every select reports it once
	 * its client has closed its end, and each close that follows selects (10,000
	 * connections took seconds). A TLS connection, or one of another XNIO transport, is
	 * left to that close, which sends TLS's close alert first.
	 * @return whether the connection is to be closed
	 */
	boolean closeSocketIfWaitingForRequest() {
		if (!this.connection.isOpen() || !isIdle() || readWaitingRequest()) {
			return false;
		}
		SocketChannel socket = UndertowInternals.socketChannel(this.connection.getChannel());
		if (socket != null) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// The client has gone: the close that follows is all there is to do.
			}
		}
		return true;
	}

	/**
	 * Closes the connection in Undertow, which reports the close: on its IO thread, once
	 * its batch has had its FINs, or on any thread once the IO thread runs no more tasks.
	 */
	void close() {
		IoUtils.safeClose(this.connection);
	}

	/**
	 * Reads the bytes that have arrived on the connection, if any, and gives them to
	 * Undertow's reader as the start of the next request. Closing a socket with unread
	 * bytes would reset it: the client would lose a request it has written.
	 * @return whether a request has arrived
	 */
	private boolean readWaitingRequest() {
		if (this.connection.getExtraBytes() != null) {
			return true;
		}
		PooledByteBuffer pooled = this.connection.getByteBufferPool().allocate();
		boolean handedOver = false;
		try {
			ByteBuffer buffer = pooled.getBuffer();
			if (this.connection.getChannel().getSourceChannel().read(buffer) <= 0) {
				return false;
			}
			buffer.flip();
			this.connection.setExtraBytes(pooled);
			handedOver = true;
			// The reader looks at these bytes before the socket.
			this.connection.getChannel().getSourceChannel().wakeupReads();
			return true;
		}
		catch (IOException ex) {
			// The client has gone: there is no request to serve.
			return false;
		}
		finally {
			if (!handedOver) {
				pooled.close();
			}
		}
	}

	/**
	 * Tells a WebSocket 1001 Going Away, on the connection's IO thread, and closes the
	 * connection once both close frames have passed. An h2c connection is not told:
	 * Undertow's GOAWAY closes the connection as soon as it is sent, cutting the streams
	 * still running.
	 */
	@Override
	public boolean goAway() {
		ConnectionEvents tracked = this.tracked;
		if (tracked == null || tracked.protocol() != Protocol.WEBSOCKET) {
			return false;
		}
		onIoThread(this::sendGoingAway);
		return true;
	}

	private void sendGoingAway() {
		AbstractFramedChannel<?, ?, ?> framed = UndertowInternals.framedChannel(this.connection);
		if (framed instanceof WebSocketChannel webSocket) {
			if (webSocket.isOpen() && !webSocket.isCloseFrameSent() && !webSocket.isCloseFrameReceived()) {
				UndertowWebSockets.goAway(webSocket);
			}
			closeOnceCloseFramesPassed(webSocket);
		}
		else if (framed == null && this.connection.isOpen()) {
			// The 101 response is still being written: the channel does not exist yet.
			this.connection.getIoThread().executeAfter(this::sendGoingAway, FLUSH_RETRY_MILLIS, TimeUnit.MILLISECONDS);
		}
	}

	/**
	 * Closes a WebSocket once its close handshake is over: both close frames have passed,
	 * and the server's has left. Undertow shuts its output down after its close frame and
	 * then waits for the client's FIN, which a client that answered the close frame but
	 * keeps its socket may never send: the connection would be forced at the graceful
	 * timeout, although nothing is left to say on it.
	 */
	private void closeOnceCloseFramesPassed(WebSocketChannel webSocket) {
		if (!webSocket.isOpen()) {
			return;
		}
		if (webSocket.isCloseFrameSent() && webSocket.isCloseFrameReceived()) {
			StreamSinkChannel sink = this.connection.getChannel().getSinkChannel();
			try {
				// The sink is shut down once the close frame has left Undertow's frame queue.
				if (!sink.isOpen() && sink.flush()) {
					IoUtils.safeClose(webSocket);
					return;
				}
			}
			catch (IOException ex) {
				IoUtils.safeClose(webSocket);
				return;
			}
		}
		this.connection.getIoThread()
			.executeAfter(() -> closeOnceCloseFramesPassed(webSocket), FLUSH_RETRY_MILLIS, TimeUnit.MILLISECONDS);
	}

	private boolean isIdle() {
		ConnectionEvents tracked = this.tracked;
		return tracked != null && tracked.isIdle();
	}

	/**
	 * Closes the connection with a FIN, not a reset: a thread blocked writing to a client
	 * that does not read waits on a selector of its own, which a reset-on-close (deferred
	 * while the socket is registered there) would never wake. The response it cuts is
	 * chunked (see {@link CloseWhileTerminating}), so that its client sees the cut.
	 */
	@Override
	public void forceClose() {
		onIoThread(() -> IoUtils.safeClose(this.connection));
	}

	/**
	 * Called by Undertow on the thread that ends the exchange, before the connection is
	 * made ready for the next request or closed: a persistent connection is idle from
	 * here on, and a request whose response said {@code Connection: close} has completed.
	 */
	@Override
	public void exchangeEvent(HttpServerExchange exchange, NextListener next) {
		if (exchange.isUpgrade()) {
			this.tracked.onUpgraded("h2c".equalsIgnoreCase(exchange.getRequestHeaders().getFirst(Headers.UPGRADE))
					? Protocol.H2C : Protocol.WEBSOCKET);
			next.proceed();
		}
		else if (exchange.isPersistent()) {
			// Before Undertow reads the next request, which may start on another thread.
			this.tracked.onRequestCompleted();
			next.proceed();
		}
		else {
			this.tracked.onLastResponseCompleted();
			discardPipelinedRequests();
			// Undertow now shuts the output down and waits, up to 10 s, for the client to
			// close; the connection is done as soon as its last bytes have left.
			next.proceed();
			onIoThread(this::closedOnceFlushed);
		}
	}

	/**
	 * Drops the requests pipelined behind the last response of a closing connection,
	 * which Undertow would drop anyway. Undertow buffers the responses of pipelined
	 * requests; if it ends the exchange while pipelined bytes are waiting, it restores the
	 * connection's plain output before the buffer is flushed, and the last response is
	 * lost (a request that was persistent when parsed and closes the connection when
	 * answered, as terminator makes it while terminating). Without those bytes it flushes
	 * the response first.
	 */
	private void discardPipelinedRequests() {
		PooledByteBuffer pipelined = this.connection.getExtraBytes();
		if (pipelined != null) {
			this.connection.setExtraBytes(null);
			pipelined.close();
		}
	}

	private void closedOnceFlushed() {
		try {
			if (!this.connection.isOpen() || this.connection.getChannel().getSinkChannel().flush()) {
				this.tracked.onClosed();
				return;
			}
		}
		catch (IOException ex) {
			// Undertow closes it and reports the close.
			return;
		}
		this.connection.getIoThread().executeAfter(this::closedOnceFlushed, FLUSH_RETRY_MILLIS, TimeUnit.MILLISECONDS);
	}

	private void onIoThread(Runnable task) {
		onIoThread(this.connection, task);
	}

	/**
	 * Runs a task on the connection's IO thread: now if this is it, later otherwise.
	 */
	static void onIoThread(HttpServerConnection connection, Runnable task) {
		if (connection.getIoThread() == Thread.currentThread()) {
			task.run();
			return;
		}
		try {
			connection.getIoThread().execute(task);
		}
		catch (RejectedExecutionException ex) {
			// The IO thread is stopping and closes its connections itself.
			IoUtils.safeClose(connection);
		}
	}

}
