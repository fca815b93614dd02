package io.github.terminator.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionRegistry;
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
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

/**
 * What the starter adds to a Spring WebFlux request, in Spring's own layer: its stream
 * tracking, the decorator of every exchange's response, against the same application without it
 * ({@code tracked=false}, what {@code terminator.enabled=false} leaves). The application
 * answers a short body, as a {@code Mono} ({@code body=mono}, most requests) or as a
 * {@code Flux} of three pieces ({@code body=flux}: a stream, registered and finished). The
 * server's side is Spring's test request and a response that lets the bytes go, not Reactor
 * Netty's: what
 * a request costs on the server is in {@code request-overhead.sh}; the difference between
 * the two rows of a body is what the starter adds to it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// Compiled in about 5 s. The serial collector and a fixed heap: on 2 cores, a parallel
// collector's threads took turns with the benchmark's, and the error was half the score.
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = { "-XX:+UseSerialGC", "-Xms1g", "-Xmx1g", "-Xmn600m" })
@State(Scope.Thread)
public class WebFluxPathBenchmark {

	private static final byte[] BODY = "fast".getBytes(StandardCharsets.US_ASCII);

	@Param({ "false", "true" })
	public boolean tracked;

	@Param({ "mono", "flux" })
	public String body;

	private HttpHandler handler;

	/** A GET without a body: the same one for every exchange, as it is only read. */
	private final MockServerHttpRequest request = MockServerHttpRequest.get("/fast").build();

	@Setup
	public void setUp() {
		boolean flux = "flux".equals(this.body);
		WebHandler application = (exchange) -> {
			DefaultDataBufferFactory buffers = DefaultDataBufferFactory.sharedInstance;
			if (flux) {
				return exchange.getResponse()
					.writeWith(Flux.just(BODY, BODY, BODY).map(buffers::wrap));
			}
			return exchange.getResponse().writeWith(Mono.fromSupplier(() -> (DataBuffer) buffers.wrap(BODY)));
		};
		WebHttpHandlerBuilder builder = WebHttpHandlerBuilder.webHandler(application);
		if (this.tracked) {
			builder.httpHandlerDecorator(new WebFluxStreamTracking(new ConnectionRegistry().streams(),
					SubscriptionPaths.of(List.of()), () -> null));
		}
		this.handler = builder.build();
	}

	/** One request through the WebFlux layer, its response written. */
	@Benchmark
	public long request() {
		Response response = new Response();
		this.handler.handle(this.request, response).block();
		return response.written;
	}

	/**
	 * A response that counts the bytes written and lets them go. Spring's test response
	 * creates an exception for each instance, which cost more than what is measured here.
	 */
	private static final class Response extends AbstractServerHttpResponse {

		private long written;

		Response() {
			super(DefaultDataBufferFactory.sharedInstance);
		}

		@Override
		public <T> T getNativeResponse() {
			throw new UnsupportedOperationException();
		}

		@Override
		protected Mono<Void> writeWithInternal(Publisher<? extends DataBuffer> body) {
			return Flux.from(body).doOnNext((buffer) -> this.written += buffer.readableByteCount()).then();
		}

		@Override
		protected Mono<Void> writeAndFlushWithInternal(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			return Flux.from(body).concatMap(this::writeWithInternal).then();
		}

		@Override
		protected void applyStatusCode() {
		}

		@Override
		protected void applyHeaders() {
		}

		@Override
		protected void applyCookies() {
		}

	}

}
