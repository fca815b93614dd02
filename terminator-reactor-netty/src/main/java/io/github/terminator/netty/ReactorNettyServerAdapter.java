package io.github.terminator.netty;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.spi.Connections;
import io.github.terminator.core.spi.IdleCloses;
import io.github.terminator.core.spi.ServerAdapter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import reactor.netty.ConnectionObserver;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * terminator on Reactor Netty: tracks the connections of an {@link HttpServer} (HTTP/1.1,
 * h2 negotiated with ALPN, h2c by prior knowledge or upgrade), from accept to close, and
 * closes its listeners on demand.
 * <p>
 * The server must be {@link #customize customized} before it binds: Spring Boot does it
 * with a {@code NettyServerCustomizer}. Connections are tracked from the initialization
 * of their channel, before a byte of them is read.
 */
public final class ReactorNettyServerAdapter implements ServerAdapter {

	/** How long closing a listener may take before it is reported failed. */
	private static final long LISTENER_CLOSE_SECONDS = 5;

	private static final Logger logger = Loggers.getLogger(ReactorNettyServerAdapter.class);

	private static final String ACCEPTS = "terminator.accepts";

	private final Connections registry;

	private final IdleCloses<EventLoop, NettyConnection> idleCloses = new IdleCloses<>((eventLoop) -> eventLoop,
			(eventLoop, connection) -> connection.finIfIdle(), NettyConnection::closeAfterFin);

	private final List<Channel> listeners = new CopyOnWriteArrayList<>();

	/** Connections accepted, not tracked yet: on their way to their event loop. */
	private final Set<Channel> registering = ConcurrentHashMap.newKeySet();

	/**
	 * Creates an adapter that reports to the given registry.
	 * @param registry where connections are tracked
	 */
	public ReactorNettyServerAdapter(Connections registry) {
		this.registry = registry;
	}

	/**
	 * Makes a server tracked: each connection it accepts, and its listener once bound.
	 * @param server the server, before it binds
	 * @return the server to bind
	 */
	public HttpServer customize(HttpServer server) {
		return server.doOnBound(this::bound).doOnChannelInit(this::initialized);
	}

	/**
	 * Closes the listening socket of every server bound since it was customized.
	 * Requests on connections already accepted go on being served. Closing a listener
	 * resets the connections waiting in its backlog, whose clients' connect succeeded and
	 * who may have written their requests: each listener is closed on its event loop right
	 * after an accept round of its own that found the backlog empty, so that only what
	 * arrives between the two, a matter of microseconds, is refused. Returns once the
	 * connections accepted are tracked, for the drain to see them.
	 * @throws IOException if a listener failed to close
	 */
	@Override
	public void stopAccepting() throws IOException {
		IOException failure = null;
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LISTENER_CLOSE_SECONDS);
		for (Channel listener : this.listeners) {
			ChannelFuture closed = closeServingBacklog(listener);
			if (!closed.awaitUninterruptibly(remainingMillis(deadline))) {
				failure = (failure != null) ? failure : new IOException("Listener " + listener + " did not close");
			}
			else if (closed.cause() != null) {
				failure = (failure != null) ? failure : new IOException("Listener " + listener + " failed to close",
						closed.cause());
			}
		}
		awaitAcceptedTracked(deadline);
		if (failure != null) {
			throw failure;
		}
	}

	private static ChannelFuture closeServingBacklog(Channel listener) {
		ChannelPromise closed = listener.newPromise();
		try {
			listener.eventLoop().execute(() -> {
				try {
					// An accept round that takes nothing ends the backlog: each takes every
					// connection waiting (see bound), or one at a time when level-triggered.
					// Every listener tracked has its Accepts, added when it was bound.
					Accepts accepts = listener.pipeline().get(Accepts.class);
					long before;
					do {
						before = accepts.count;
					}
					while (NettySockets.acceptWaiting(listener) && accepts.count != before);
				}
				finally {
					listener.close(closed);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			// Its event loop is shutting down, and the listener with it.
			return listener.close();
		}
		return closed;
	}

	/**
	 * Waits until each connection accepted has been registered with its event loop, where
	 * it is tracked: the last ones were accepted just before their listener closed.
	 */
	private void awaitAcceptedTracked(long deadline) {
		for (Channel accepted : this.registering) {
			EventLoop loop;
			try {
				loop = accepted.eventLoop();
			}
			catch (IllegalStateException ex) {
				// Its registration failed, and Netty closed it.
				this.registering.remove(accepted);
				continue;
			}
			// Runs after the registration, queued on the same event loop before it.
			loop.submit(() -> this.registering.remove(accepted)).awaitUninterruptibly(remainingMillis(deadline));
		}
	}

	private static long remainingMillis(long deadline) {
		return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
	}

	/**
	 * A listener is bound: its accept rounds take every waiting connection, not 16, and
	 * the connections it accepts are seen on their way to their event loop.
	 */
	private void bound(DisposableServer server) {
		Channel listener = server.channel();
		RecvByteBufAllocator allocator = listener.config().getRecvByteBufAllocator();
		if (allocator instanceof MaxMessagesRecvByteBufAllocator maxMessages) {
			maxMessages.maxMessagesPerRead(Integer.MAX_VALUE);
		}
		if (!NettySockets.canAccept(listener.getClass())) {
			logger.warn("terminator closes the listener " + listener + " without serving its backlog: its transport ("
					+ listener.getClass().getName() + ") is not NIO or epoll, and connections waiting in the"
					+ " backlog when it closes are reset");
		}
		listener.pipeline().addFirst(ACCEPTS, new Accepts());
		this.listeners.add(listener);
		listener.closeFuture().addListener((future) -> this.listeners.remove(listener));
	}

	/**
	 * A connection's channel is initialized, on its event loop, before it is read. The
	 * streams of an HTTP/2 connection are channels too, whose parent is the connection:
	 * they are not connections.
	 */
	private void initialized(ConnectionObserver observer, Channel channel, SocketAddress remote) {
		if (channel.parent() instanceof ServerChannel) {
			NettyConnection.track(channel, this.registry, this.idleCloses);
			this.registering.remove(channel);
		}
	}

	/**
	 * Sees, on the listener's event loop, each connection it accepts, before Netty's
	 * acceptor hands it to the event loop that registers it.
	 */
	private final class Accepts extends ChannelInboundHandlerAdapter {

		/** How many connections the listener accepted; confined to its event loop. */
		long count;

		@Override
		public void channelRead(ChannelHandlerContext context, Object message) {
			if (message instanceof Channel accepted) {
				this.count++;
				ReactorNettyServerAdapter.this.registering.add(accepted);
			}
			context.fireChannelRead(message);
		}

	}

}
