package io.github.terminator.netty;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.spi.Connections;
import io.github.terminator.core.spi.ServerAdapter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import reactor.netty.ConnectionObserver;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

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

	private final Connections registry;

	private final List<Channel> listeners = new CopyOnWriteArrayList<>();

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
	 * Requests on connections already accepted go on being served. Each accept round takes
	 * every connection the kernel holds (see {@link #bound}), so closing leaves in the
	 * backlog, and resets, only those that arrived in the last moment.
	 * @throws IOException if a listener failed to close
	 */
	@Override
	public void stopAccepting() throws IOException {
		IOException failure = null;
		for (Channel listener : this.listeners) {
			ChannelFuture closed = listener.close();
			if (!closed.awaitUninterruptibly(LISTENER_CLOSE_SECONDS, TimeUnit.SECONDS)) {
				failure = (failure != null) ? failure : new IOException("Listener " + listener + " did not close");
			}
			else if (closed.cause() != null) {
				failure = (failure != null) ? failure : new IOException("Listener " + listener + " failed to close",
						closed.cause());
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

	/**
	 * A listener is bound: its accept rounds take every waiting connection, not 16, so
	 * that none is left in the kernel's backlog, where closing the listener resets it.
	 */
	private void bound(DisposableServer server) {
		Channel listener = server.channel();
		RecvByteBufAllocator allocator = listener.config().getRecvByteBufAllocator();
		if (allocator instanceof MaxMessagesRecvByteBufAllocator maxMessages) {
			maxMessages.maxMessagesPerRead(Integer.MAX_VALUE);
		}
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
			NettyConnection.track(channel, this.registry);
		}
	}

}
