package io.github.terminator.netty;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.netty.NettyPipeline;

/**
 * What the starter adds to a keep-alive HTTP/1.1 request on Reactor Netty's pipeline: the
 * adapter's handlers (the connection tracked as {@code ReactorNettyServerAdapter} tracks
 * it), against the same pipeline without them ({@code tracked=false}). The pipeline is
 * Netty's HTTP codec, a stand-in for Reactor Netty's traffic handler (package-private) and
 * an application that answers a short body, on an embedded channel: the request's bytes
 * in, the response's bytes out, no socket. What a request costs on the server is in
 * {@code request-overhead.sh}; the difference between the two rows is what the starter
 * adds to it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// Compiled in about 5 s. The serial collector and a fixed heap: on 2 cores, a parallel
// collector's threads took turns with the benchmark's, and the error was half the score.
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = { "-XX:+UseSerialGC", "-Xms1g", "-Xmx1g", "-Xmn600m" })
@State(Scope.Thread)
public class NettyPipelineBenchmark {

	private static final byte[] REQUEST = "GET /fast HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n"
		.getBytes(StandardCharsets.US_ASCII);

	private static final byte[] BODY = "fast".getBytes(StandardCharsets.US_ASCII);

	@Param({ "false", "true" })
	public boolean tracked;

	private EmbeddedChannel channel;

	private ByteBuf request;

	@Setup
	public void setUp() {
		this.channel = new EmbeddedChannel();
		this.channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec());
		this.channel.pipeline().addLast(NettyPipeline.HttpTrafficHandler, new ChannelDuplexHandler());
		this.channel.pipeline().addLast("application", new Application());
		if (this.tracked) {
			NettyConnection.track(this.channel, new ConnectionRegistry());
		}
		this.request = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(REQUEST));
	}

	@TearDown
	public void tearDown() {
		this.channel.finishAndReleaseAll();
	}

	/** One request in, its response out. */
	@Benchmark
	public int request() {
		this.channel.writeInbound(this.request.duplicate());
		int bytes = 0;
		for (Object out = this.channel.readOutbound(); out != null; out = this.channel.readOutbound()) {
			bytes += ((ByteBuf) out).readableBytes();
			ReferenceCountUtil.release(out);
		}
		return bytes;
	}

	/** Answers each request once it is read whole, and keeps the connection open. */
	private static final class Application extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext context, Object message) {
			boolean last = message instanceof LastHttpContent;
			ReferenceCountUtil.release(message);
			if (last) {
				FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
						Unpooled.wrappedBuffer(BODY));
				response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain").setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
				context.writeAndFlush(response);
			}
		}

	}

}
