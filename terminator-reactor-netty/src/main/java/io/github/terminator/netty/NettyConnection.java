package io.github.terminator.netty;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.RejectedExecutionException;

import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.Connections;
import io.github.terminator.core.spi.Protocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * One connection of a Reactor Netty server: the handlers that see its bytes, requests and
 * responses on its event loop, and what the drain does to it, also on its event loop.
 * <p>
 * Its handlers sit around Reactor Netty's HTTP/1.1 codec and its traffic handler (which
 * queues pipelined requests and closes a connection after a response that says
 * {@code Connection: close}): before the codec, the end of the TLS handshake; between the
 * codec and the traffic handler, the requests decoded; after the traffic handler, the
 * requests handed to the application and their responses, where {@code Connection: close}
 * is set while a termination runs.
 */
final class NettyConnection extends ChannelDuplexHandler implements ConnectionControl {

	static final String REQUESTS = "terminator.requests";

	static final String DECODED = "terminator.decoded";

	static final String HANDSHAKE = "terminator.handshake";

	/** WebSocket's close code 1001 Going Away (RFC 6455). */
	private static final int GOING_AWAY = 1001;

	private final Channel channel;

	private final Connections registry;

	/** Whether the connection speaks HTTP/1.1 through handlers this adapter sees. */
	private volatile boolean http11;

	private ConnectionEvents events;

	// Confined to the event loop.

	/** Requests decoded, and handed to the application: pipelined ones wait in between. */
	private long decoded;

	private long started;

	/** Whether the connection stays open after the current response. */
	private boolean keepAlive = true;

	private volatile boolean handshaking;

	private NettyConnection(Channel channel, Connections registry) {
		this.channel = channel;
		this.registry = registry;
		this.http11 = speaksHttp11(channel.pipeline());
		// An SslHandler, or the SniHandler that becomes one.
		this.handshaking = channel.pipeline().get(NettyPipeline.SslHandler) != null;
	}

	/**
	 * Registers a connection whose channel is being initialized, on its event loop, and
	 * puts its handlers in its pipeline.
	 */
	static void track(Channel channel, Connections registry) {
		NettyConnection connection = new NettyConnection(channel, registry);
		ChannelPipeline pipeline = channel.pipeline();
		if (connection.http11) {
			if (connection.handshaking) {
				pipeline.addBefore(NettyPipeline.HttpCodec, HANDSHAKE, connection.new Handshake());
			}
			connection.installHttp11(pipeline);
		}
		else if (connection.handshaking) {
			// HTTP/2 enabled: ALPN picks the protocol once the handshake is over, and Reactor
			// Netty's negotiation handler builds the pipeline then. Behind it, this handler
			// sees the handshake end once the pipeline is built, before any request.
			pipeline.addBefore(NettyPipeline.ReactiveBridge, HANDSHAKE, connection.new Handshake());
		}
		connection.events = registry.open(connection);
		channel.closeFuture().addListener((future) -> connection.events.onClosed());
	}

	private static boolean speaksHttp11(ChannelPipeline pipeline) {
		return pipeline.get(NettyPipeline.HttpTrafficHandler) != null && pipeline.get(NettyPipeline.HttpCodec) != null
				&& pipeline.get(NettyPipeline.H2CUpgradeHandler) == null;
	}

	private void installHttp11(ChannelPipeline pipeline) {
		pipeline.addAfter(NettyPipeline.HttpCodec, DECODED, new DecodedRequests());
		pipeline.addAfter(NettyPipeline.HttpTrafficHandler, REQUESTS, this);
		this.http11 = true;
	}

	/**
	 * The TLS handshake of a connection whose protocol ALPN picked is over, and its
	 * pipeline built: HTTP/1.1 is drained like any; HTTP/2 is reported, and left to the
	 * graceful timeout.
	 */
	private void negotiated(ChannelPipeline pipeline) {
		if (pipeline.get(NettyPipeline.H2MultiplexHandler) != null) {
			this.events.onUpgraded(Protocol.H2);
		}
		else if (!this.http11 && speaksHttp11(pipeline)) {
			installHttp11(pipeline);
		}
	}

	@Override
	public String remoteAddress() {
		SocketAddress address = this.channel.remoteAddress();
		if (address instanceof InetSocketAddress inet) {
			return inet.getHostString() + ":" + inet.getPort();
		}
		return (address != null) ? address.toString() : "unknown";
	}

	@Override
	public int localPort() {
		return (this.channel.localAddress() instanceof InetSocketAddress inet) ? inet.getPort() : -1;
	}

	@Override
	public boolean closeIfIdle() {
		if (!this.channel.isOpen()) {
			return true;
		}
		if (this.handshaking || !this.http11 || !this.events.isIdle()) {
			// A connection whose requests this adapter cannot see (HTTP/2) may be busy: it
			// is left to the graceful timeout rather than cut.
			return false;
		}
		onEventLoop(() -> {
			if (isIdle() && !NettySockets.readWaiting(this.channel)) {
				this.channel.close();
			}
		});
		return true;
	}

	/**
	 * Whether no request is running or waiting, on the event loop. A request head partly
	 * read is not one: its connection is closed as idle, as on the other servers.
	 */
	private boolean isIdle() {
		return this.channel.isOpen() && this.events.isIdle() && this.decoded == this.started;
	}

	/**
	 * Tells a WebSocket 1001 Going Away, with Reactor Netty's own close: it closes the
	 * connection once the frame has left, without waiting for the client's answer, as
	 * Jetty does.
	 */
	@Override
	public boolean goAway() {
		if (this.events.protocol() != Protocol.WEBSOCKET) {
			return false;
		}
		onEventLoop(() -> {
			if (ChannelOperations.get(this.channel) instanceof WebsocketOutbound websocket) {
				websocket.sendClose(GOING_AWAY, "Going Away").subscribe(null, (error) -> this.channel.close());
			}
			else {
				this.channel.close();
			}
		});
		return true;
	}

	@Override
	public void forceClose() {
		onEventLoop(() -> {
			try {
				this.channel.config().setOption(ChannelOption.SO_LINGER, 0);
			}
			catch (RuntimeException ex) {
				// Closed already, or a transport without the option: closed as it can be.
			}
			// Past the pipeline: TLS's close_notify would end a response delimited by the
			// connection's end the way its real end would.
			this.channel.unsafe().close(this.channel.voidPromise());
		});
	}

	private void onEventLoop(Runnable task) {
		if (this.channel.eventLoop().inEventLoop()) {
			task.run();
			return;
		}
		try {
			this.channel.eventLoop().execute(task);
		}
		catch (RejectedExecutionException ex) {
			// The event loop is shutting down, and its channels with it.
			this.channel.close();
		}
	}

	@Override
	public void channelRead(ChannelHandlerContext context, Object message) {
		if (message instanceof HttpRequest request) {
			this.started++;
			this.keepAlive = HttpUtil.isKeepAlive(request);
			this.events.onRequestStarted(request.method().name(), path(request.uri()));
		}
		context.fireChannelRead(message);
	}

	@Override
	public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
		ChannelPromise written = promise;
		if (message instanceof HttpResponse response) {
			int status = response.status().code();
			if (status == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
				written = promise.unvoid();
				written.addListener((future) -> {
					if (future.isSuccess()) {
						this.events.onUpgraded(Protocol.WEBSOCKET);
					}
				});
				context.write(message, written);
				return;
			}
			if (status >= 200 && this.registry.isClosingConnections()) {
				HttpUtil.setKeepAlive(response, false);
			}
			if (!HttpUtil.isKeepAlive(response)) {
				this.keepAlive = false;
			}
		}
		if (message instanceof LastHttpContent) {
			boolean last = !this.keepAlive;
			written = promise.unvoid();
			written.addListener((future) -> {
				if (last) {
					this.events.onLastResponseCompleted();
				}
				else {
					this.events.onRequestCompleted();
				}
			});
		}
		context.write(message, written);
	}

	private static String path(String uri) {
		int query = uri.indexOf('?');
		return (query >= 0) ? uri.substring(0, query) : uri;
	}

	/**
	 * Sees the end of the TLS handshake.
	 */
	private final class Handshake extends ChannelInboundHandlerAdapter {

		@Override
		public void userEventTriggered(ChannelHandlerContext context, Object event) {
			if (event instanceof SslHandshakeCompletionEvent handshake && handshake.isSuccess()
					&& NettyConnection.this.handshaking) {
				NettyConnection.this.negotiated(context.pipeline());
				NettyConnection.this.handshaking = false;
				NettyConnection.this.events.onHandshakeCompleted();
			}
			context.fireUserEventTriggered(event);
		}

	}

	/**
	 * Sees the requests the codec decoded, before the traffic handler queues the
	 * pipelined ones.
	 */
	private final class DecodedRequests extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext context, Object message) {
			if (message instanceof HttpRequest) {
				NettyConnection.this.decoded++;
			}
			context.fireChannelRead(message);
		}

	}

}
