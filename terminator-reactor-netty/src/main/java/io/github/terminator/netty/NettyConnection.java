package io.github.terminator.netty;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.Connections;
import io.github.terminator.core.spi.IdleCloses;
import io.github.terminator.core.spi.Protocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.ssl.SslHandler;
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
 * is set while a termination runs. A connection that speaks HTTP/2 (negotiated with
 * ALPN, or switched to h2c) gets one handler before Reactor Netty's multiplexer instead,
 * which sees its streams start and end, and the answer to the PING of its two-phase
 * GOAWAY.
 */
final class NettyConnection extends ChannelDuplexHandler implements ConnectionControl {

	static final String REQUESTS = "terminator.requests";

	static final String DECODED = "terminator.decoded";

	static final String HANDSHAKE = "terminator.handshake";

	static final String STREAMS = "terminator.streams";

	/** The payload of the PING that times the last GOAWAY: "terminat". */
	private static final long LAST_GOAWAY_PING = 0x7465726d696e6174L;

	/**
	 * How long the last GOAWAY waits for the PING's answer. A client that does not answer
	 * gets it anyway: a stream it opened in between is refused, which it may retry.
	 */
	private static final long LAST_GOAWAY_AFTER_MILLIS = 1000;

	/** WebSocket's close code 1001 Going Away (RFC 6455). */
	private static final int GOING_AWAY = 1001;

	private final Channel channel;

	private final Connections registry;

	private final IdleCloses<EventLoop, NettyConnection> idleCloses;

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

	/** Whether the last GOAWAY of an HTTP/2 connection was sent. */
	private boolean lastGoAwaySent;

	private ScheduledFuture<?> lastGoAway;

	// One of each per connection, not per response.

	private final ChannelFutureListener requestCompleted = (future) -> this.events.onRequestCompleted();

	private final ChannelFutureListener lastResponseCompleted = (future) -> this.events.onLastResponseCompleted();

	private NettyConnection(Channel channel, Connections registry, IdleCloses<EventLoop, NettyConnection> idleCloses) {
		this.channel = channel;
		this.registry = registry;
		this.idleCloses = idleCloses;
		this.http11 = speaksHttp11(channel.pipeline());
		// An SslHandler, or the SniHandler that becomes one.
		this.handshaking = channel.pipeline().get(NettyPipeline.SslHandler) != null;
	}

	/**
	 * Registers a connection whose channel is being initialized, on its event loop, and
	 * puts its handlers in its pipeline.
	 */
	static void track(Channel channel, Connections registry, IdleCloses<EventLoop, NettyConnection> idleCloses) {
		NettyConnection connection = new NettyConnection(channel, registry, idleCloses);
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
		if (!connection.handshaking && pipeline.get(NettyPipeline.H2MultiplexHandler) != null) {
			// h2c with prior knowledge only.
			connection.switchedToHttp2(pipeline, Protocol.H2C, null);
		}
	}

	/**
	 * Whether the pipeline speaks HTTP/1.1 through Reactor Netty's traffic handler, with
	 * its codec, or with h2c enabled, the handler that switches to h2c when the client
	 * asks (its codec has no name then).
	 */
	private static boolean speaksHttp11(ChannelPipeline pipeline) {
		return pipeline.get(NettyPipeline.HttpTrafficHandler) != null && (pipeline.get(NettyPipeline.HttpCodec) != null
				|| pipeline.get(NettyPipeline.H2CUpgradeHandler) != null);
	}

	private void installHttp11(ChannelPipeline pipeline) {
		pipeline.addBefore(NettyPipeline.HttpTrafficHandler, DECODED, new DecodedRequests());
		pipeline.addAfter(NettyPipeline.HttpTrafficHandler, REQUESTS, this);
		this.http11 = true;
	}

	/**
	 * The connection speaks HTTP/2 from now on, through Reactor Netty's frame codec and
	 * multiplexer: its streams are seen from before the multiplexer, which hands each to
	 * the application on a channel of its own. Streams the codec opened before (the h2c
	 * upgrade's request, stream 1; those of a TLS connection read before the handshake's
	 * end was told) are reported too.
	 * @param upgrade the HTTP/1.1 request that asked for h2c, or {@code null}
	 */
	private void switchedToHttp2(ChannelPipeline pipeline, Protocol protocol, HttpRequest upgrade) {
		this.http11 = false;
		if (pipeline.get(DECODED) != null) {
			pipeline.remove(DECODED);
		}
		if (pipeline.get(REQUESTS) != null) {
			pipeline.remove(REQUESTS);
		}
		this.events.onUpgraded(protocol);
		Http2FrameCodec codec = pipeline.get(Http2FrameCodec.class);
		if (codec == null) {
			// Another codec: its streams are not seen, and the connection is closed by
			// Netty's graceful close after its last stream.
			return;
		}
		Streams streams = new Streams(codec.connection());
		pipeline.addBefore(NettyPipeline.H2MultiplexHandler, STREAMS, streams);
		try {
			codec.connection().forEachActiveStream((stream) -> {
				boolean upgraded = upgrade != null && stream.id() == 1;
				streams.started(stream.id(), upgraded ? upgrade.method().name() : "", upgraded ? upgrade.uri() : "");
				return true;
			});
		}
		catch (Http2Exception ex) {
			// Thrown only by a visitor, which this one is not.
		}
	}

	/**
	 * The TLS handshake of a connection whose protocol ALPN picked is over, and its
	 * pipeline built: HTTP/1.1 is drained like any; HTTP/2 gets its streams seen.
	 */
	private void negotiated(ChannelPipeline pipeline) {
		if (pipeline.get(NettyPipeline.H2MultiplexHandler) != null) {
			switchedToHttp2(pipeline, Protocol.H2, null);
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
			// An HTTP/2 connection is told GOAWAY instead; one whose requests this adapter
			// cannot see may be busy, and is left to the graceful timeout rather than cut.
			return false;
		}
		this.idleCloses.close(this.channel.eventLoop(), this);
		return true;
	}

	/**
	 * On the event loop, for {@link IdleCloses}: if the connection is idle and no request
	 * has arrived on it, tells its client the close with a FIN, and the caller closes it
	 * next ({@link #closeAfterFin}). A connection under TLS gets its FIN from the close,
	 * after TLS's close_notify.
	 * @return whether the connection is to be closed
	 */
	boolean finIfIdle() {
		if (!isIdle() || NettySockets.readWaiting(this.channel)) {
			return false;
		}
		ChannelPipeline pipeline = this.channel.pipeline();
		// By type too: an SniHandler puts its SslHandler under a name of Netty's.
		if (pipeline.get(NettyPipeline.SslHandler) == null && pipeline.get(SslHandler.class) == null) {
			NettySockets.shutdownOutput(this.channel);
		}
		return true;
	}

	/**
	 * On the event loop, right after {@link #finIfIdle}: closes the connection through its
	 * pipeline, which reports it closed.
	 */
	void closeAfterFin() {
		this.channel.close();
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
	 * Jetty does. Tells an HTTP/2 connection GOAWAY in two phases (RFC 9113 §6.8): a first
	 * with 2^31−1 and a PING; once the PING's answer is back, a round trip later, the last
	 * with the id of the last stream the connection opened, then Netty's graceful close,
	 * which closes the connection after its last stream.
	 */
	@Override
	public boolean goAway() {
		Protocol protocol = this.events.protocol();
		if (protocol.isMultiplexed()) {
			onEventLoop(this::firstGoAway);
			return true;
		}
		if (protocol != Protocol.WEBSOCKET) {
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

	private void firstGoAway() {
		if (!this.channel.isActive() || this.lastGoAway != null) {
			return;
		}
		if (this.channel.pipeline().get(STREAMS) == null) {
			// Not Reactor Netty's frame codec: its own graceful close sends one GOAWAY.
			this.channel.close();
			return;
		}
		this.channel.write(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR).setExtraStreamIds(Integer.MAX_VALUE));
		this.channel.writeAndFlush(new DefaultHttp2PingFrame(LAST_GOAWAY_PING));
		this.lastGoAway = this.channel.eventLoop()
			.schedule(this::lastGoAway, LAST_GOAWAY_AFTER_MILLIS, TimeUnit.MILLISECONDS);
	}

	private void lastGoAway() {
		if (this.lastGoAway == null || this.lastGoAwaySent || !this.channel.isActive()) {
			return;
		}
		this.lastGoAwaySent = true;
		this.lastGoAway.cancel(false);
		// No extra stream ids: the last stream the client opened.
		this.channel.write(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
		// Netty's graceful close: after the last stream, at once if none is open.
		this.channel.close();
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
			// The core strips the query string when it reports the request, if ever.
			this.events.onRequestStarted(request.method().name(), request.uri());
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
			written = promise.unvoid();
			written.addListener(this.keepAlive ? this.requestCompleted : this.lastResponseCompleted);
		}
		context.write(message, written);
	}

	/**
	 * The connection switched to h2c, by prior knowledge or by upgrade: the switch has
	 * built the HTTP/2 pipeline, and fires its event from before this handler.
	 */
	@Override
	public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
		if (event instanceof PriorKnowledgeUpgradeEvent) {
			switchedToHttp2(context.pipeline(), Protocol.H2C, null);
		}
		else if (event instanceof HttpServerUpgradeHandler.UpgradeEvent upgrade
				&& context.pipeline().get(NettyPipeline.H2MultiplexHandler) != null) {
			switchedToHttp2(context.pipeline(), Protocol.H2C, upgrade.upgradeRequest());
		}
		context.fireUserEventTriggered(event);
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

	/**
	 * Sees the streams of an HTTP/2 connection, before Reactor Netty's multiplexer: each
	 * starts with the headers of its request and ends when the codec closes it, its
	 * response complete or reset.
	 */
	private final class Streams extends ChannelInboundHandlerAdapter {

		private final Http2Connection connection;

		private final Map<Integer, ConnectionEvents.Stream> open = new HashMap<>();

		Streams(Http2Connection connection) {
			this.connection = connection;
			connection.addListener(new Http2ConnectionAdapter() {

				@Override
				public void onStreamClosed(Http2Stream stream) {
					ConnectionEvents.Stream ended = Streams.this.open.remove(stream.id());
					if (ended != null) {
						ended.completed();
					}
				}

			});
		}

		void started(int id, String method, String target) {
			this.open.put(id, NettyConnection.this.events.onStreamStarted(method, target));
		}

		@Override
		public void channelRead(ChannelHandlerContext context, Object message) {
			if (message instanceof Http2HeadersFrame frame && frame.stream() != null) {
				int id = frame.stream().id();
				Http2Stream stream = this.connection.stream(id);
				if (!this.open.containsKey(id) && stream != null && stream.state() != Http2Stream.State.CLOSED) {
					Http2Headers headers = frame.headers();
					started(id, String.valueOf(headers.method()), String.valueOf(headers.path()));
				}
			}
			else if (message instanceof Http2PingFrame ping && ping.ack() && ping.content() == LAST_GOAWAY_PING) {
				lastGoAway();
			}
			context.fireChannelRead(message);
		}

	}

}
