package io.github.terminator.netty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.TerminatorSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Reactor Netty adapter on a real server, without Spring: its listener is closed
 * without resetting what waits in its backlog.
 */
class ReactorNettyServerAdapterTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * Connections the kernel accepted while the listener's event loop was busy, and that
	 * Netty did not take yet, are served when the listener closes, not reset with it:
	 * their clients' connect succeeded, and they have written their requests. The
	 * listener's close is queued behind the busy task, as a drain's is behind the work of
	 * a loaded event loop, so no accept round of Netty's own comes in between.
	 */
	@Test
	void whenTheListenerClosesThenConnectionsWaitingInItsBacklogAreServed() throws Exception {
		ConnectionRegistry registry = new ConnectionRegistry();
		ReactorNettyServerAdapter adapter = new ReactorNettyServerAdapter(registry);
		DisposableServer server = adapter
			.customize(HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.handle((request, response) -> response
					.sendString(Mono.just(String.valueOf(request.requestHeaders().get("X-Id"))))))
			.bindNow();
		Terminator terminator = new Terminator(registry, adapter, new TerminatorSettings(Duration.ZERO,
				Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofMillis(100)), List.of());
		List<Socket> waiting = new ArrayList<>();
		CountDownLatch busy = new CountDownLatch(1);
		try {
			Channel listener = server.channel();
			SingleThreadEventExecutor loop = (SingleThreadEventExecutor) listener.eventLoop();
			CountDownLatch held = new CountDownLatch(1);
			loop.execute(() -> {
				held.countDown();
				block(busy);
			});
			// Queued behind what the loop is doing, which may be an accept round.
			assertThat(held.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			for (int i = 0; i < 3; i++) {
				Socket socket = new Socket();
				socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
				socket.setSoTimeout((int) WAIT.toMillis());
				socket.getOutputStream()
					.write(("GET / HTTP/1.1\r\nHost: localhost\r\nX-Id: waiting-" + i + "\r\n\r\n")
						.getBytes(StandardCharsets.US_ASCII));
				waiting.add(socket);
			}
			assertThat(registry.size()).as("connections Netty accepted").isZero();
			CompletableFuture<TerminationResult> result = CompletableFuture.supplyAsync(terminator::terminate);
			await().atMost(WAIT)
				.until(() -> terminator.phase() == TerminationPhase.DRAINING && loop.pendingTasks() > 0);
			busy.countDown();
			for (int i = 0; i < waiting.size(); i++) {
				String response = readToEnd(waiting.get(i).getInputStream());
				assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("waiting-" + i);
			}
			assertThat(result.get(WAIT.toSeconds(), TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
		}
		finally {
			busy.countDown();
			for (Socket socket : waiting) {
				socket.close();
			}
			server.disposeNow();
		}
	}

	/**
	 * Reading what waits on a connection stops once the pipeline has closed it: the
	 * connection's file descriptor, closed, may already be another socket's, whose bytes
	 * the read would take and hand to a closed connection. Here the pipeline closes the
	 * connection on its first eight KiB of pipelined requests, then opens a socket that
	 * takes the lowest free descriptor, as the kernel gives it: the connection's.
	 */
	@Test
	void whenThePipelineClosesTheConnectionThenReadingWhatWaitsStops() throws Exception {
		assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(), "the epoll transport, Reactor Netty's default on Linux");
		StringBuilder seen = new StringBuilder();
		CompletableFuture<Channel> accepted = new CompletableFuture<>();
		List<Socket> sockets = new CopyOnWriteArrayList<>();
		EventLoopGroup loops = new io.netty.channel.epoll.EpollEventLoopGroup(1);
		try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			Channel listener = new ServerBootstrap().group(loops)
				.channel(io.netty.channel.epoll.EpollServerSocketChannel.class)
				.childOption(ChannelOption.AUTO_READ, false)
				.childHandler(new ChannelInboundHandlerAdapter() {

					@Override
					public void handlerAdded(ChannelHandlerContext ctx) {
						accepted.complete(ctx.channel());
					}

					@Override
					public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
						ByteBuf bytes = (ByteBuf) msg;
						seen.append(bytes.toString(StandardCharsets.US_ASCII));
						bytes.release();
						if (seen.length() >= 8192 && ctx.channel().isOpen()) {
							ctx.channel().close();
							Socket victim = new Socket();
							victim.connect(other.getLocalSocketAddress(), 5000);
							Socket peer = other.accept();
							peer.getOutputStream().write("another connection's request".getBytes(StandardCharsets.US_ASCII));
							sockets.add(victim);
							sockets.add(peer);
						}
					}

				})
				.bind(InetAddress.getLoopbackAddress(), 0)
				.sync()
				.channel();
			Socket client = new Socket();
			sockets.add(client);
			client.connect(listener.localAddress(), 5000);
			client.getOutputStream()
				.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(2000).getBytes(StandardCharsets.US_ASCII));
			Channel channel = accepted.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			await().atMost(WAIT)
				.until(() -> channel.eventLoop().submit(() -> NettySockets.readWaiting(channel)).get() && !channel.isOpen());
			assertThat(seen).doesNotContain("another");
			Socket victim = sockets.get(1);
			victim.setSoTimeout(5000);
			byte[] request = victim.getInputStream().readNBytes(7);
			assertThat(new String(request, StandardCharsets.US_ASCII)).isEqualTo("another");
		}
		finally {
			for (Socket socket : sockets) {
				socket.close();
			}
			loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
		}
	}

	/**
	 * The drain tells an idle connection its close with a FIN below the pipeline, then
	 * closes it through the pipeline: on each transport, the client reads the end of the
	 * stream while the channel is still open, and the pipeline has seen nothing. Were the
	 * FIN not sent, the client would read nothing until the close.
	 */
	@Test
	void sendsAFinBelowThePipelineOnEachTransport() throws Exception {
		assertFinBelowThePipeline(new io.netty.channel.nio.NioEventLoopGroup(1), NioServerSocketChannel.class);
		assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(), "the epoll transport, Reactor Netty's default on Linux");
		assertFinBelowThePipeline(new io.netty.channel.epoll.EpollEventLoopGroup(1),
				io.netty.channel.epoll.EpollServerSocketChannel.class);
	}

	private static void assertFinBelowThePipeline(EventLoopGroup loops,
			Class<? extends io.netty.channel.ServerChannel> listenerType) throws Exception {
		CompletableFuture<Channel> accepted = new CompletableFuture<>();
		List<String> events = new CopyOnWriteArrayList<>();
		try (Socket client = new Socket()) {
			Channel listener = new ServerBootstrap().group(loops)
				.channel(listenerType)
				.childHandler(new ChannelInboundHandlerAdapter() {

					@Override
					public void handlerAdded(ChannelHandlerContext ctx) {
						accepted.complete(ctx.channel());
					}

					@Override
					public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
						events.add(String.valueOf(event));
					}

					@Override
					public void channelInactive(ChannelHandlerContext ctx) {
						events.add("inactive");
					}

				})
				.bind(InetAddress.getLoopbackAddress(), 0)
				.sync()
				.channel();
			client.connect(listener.localAddress(), 5000);
			Channel channel = accepted.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			channel.eventLoop().submit(() -> NettySockets.shutdownOutput(channel)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
			client.setSoTimeout((int) WAIT.toMillis());
			assertThat(client.getInputStream().read()).as("what %s reads", listenerType.getSimpleName()).isEqualTo(-1);
			assertThat(channel.isOpen()).isTrue();
			assertThat(events).isEmpty();
			channel.close().sync();
			// Told after the close's promise, on Netty 4.2.
			await().atMost(WAIT).until(() -> !events.isEmpty());
			assertThat(events).containsExactly("inactive");
		}
		finally {
			loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
		}
	}

	/**
	 * Fails loudly when a Netty upgrade moves the accept round of a listener: Reactor
	 * Netty's default transport here (epoll on Linux), and NIO.
	 */
	@Test
	void reachesTheAcceptRoundOfTheListenersOfEachTransport() {
		DisposableServer server = HttpServer.create().host("127.0.0.1").port(0).bindNow();
		try {
			assertThat(NettySockets.canAccept(server.channel().getClass())).as("%s", server.channel()).isTrue();
		}
		finally {
			server.disposeNow();
		}
		assertThat(NettySockets.canAccept(NioServerSocketChannel.class)).isTrue();
	}

	/**
	 * Reads a response up to the connection's end, which must come as a FIN: a reset throws.
	 */
	private static String readToEnd(InputStream in) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		in.transferTo(out);
		return out.toString(StandardCharsets.US_ASCII);
	}

	private static void block(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
