package io.github.terminator.autoconfigure;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.StreamRegistry;
import io.github.terminator.web.Subscription;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.adapter.ForwardedHeaderTransformer;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The WebFlux stream tracking, in Spring's own layer: the handler as
 * {@code WebHttpHandlerBuilder} builds it with the tracking's decorator, as Spring Boot
 * builds an application's, and Spring's test requests. What it does to a server's clients
 * is in the streams conformance tests.
 */
class WebFluxStreamTrackingTests {

	private static final byte[] BODY = "fast".getBytes(StandardCharsets.US_ASCII);

	private final StreamRegistry streams = new ConnectionRegistry().streams();

	@Test
	void aBodyWrittenFromAFluxIsAStreamUntilItEndsAndOneFromAMonoIsNot() {
		Sinks.Many<String> pieces = Sinks.many().unicast().onBackpressureBuffer();
		HttpHandler handler = handler(SubscriptionPaths.of(List.of()), null, (exchange) -> {
			if (exchange.getRequest().getPath().value().equals("/mono")) {
				return exchange.getResponse().writeWith(Mono.fromSupplier(() -> buffer("one")));
			}
			return exchange.getResponse().writeWith(pieces.asFlux().map(WebFluxStreamTrackingTests::buffer));
		});
		handler.handle(MockServerHttpRequest.get("/mono").build(), new Response()).block(Duration.ofSeconds(5));
		assertThat(this.streams.size()).as("streams open after a Mono was written").isZero();
		Disposable written = handler.handle(MockServerHttpRequest.get("/flux").build(), new Response()).subscribe();
		pieces.tryEmitNext("event 1");
		assertThat(this.streams.size()).as("streams open while a Flux is written").isOne();
		assertThat(this.streams.subscriptions()).isZero();
		pieces.tryEmitComplete();
		assertThat(this.streams.size()).as("streams open after the Flux ended").isZero();
		written.dispose();
	}

	/**
	 * Behind a proxy, with {@code server.forward-headers-strategy=framework}, Spring's
	 * handler replaces a request that has forwarded headers with one of its own, and the
	 * handler that was picked is known through that one: a subscription must still be
	 * seen as one, declared by its annotation or by its path within the application.
	 */
	@Test
	void aSubscriptionBehindAProxyThatForwardsHeadersIsKnownByItsAnnotationAndByItsPath() throws Exception {
		ForwardedHeaderTransformer forwarded = new ForwardedHeaderTransformer();
		HandlerMethod annotated = new HandlerMethod(new Feeds(), Feeds.class.getDeclaredMethod("annotated"));
		Sinks.Many<String> pieces = Sinks.many().multicast().directBestEffort();
		HttpHandler handler = handler(SubscriptionPaths.of(List.of("/declared")), forwarded, (exchange) -> {
			if (exchange.getRequest().getPath().pathWithinApplication().value().equals("/annotated")) {
				exchange.getAttributes().put(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE, annotated);
			}
			return exchange.getResponse().writeWith(pieces.asFlux().map(WebFluxStreamTrackingTests::buffer));
		});
		for (String path : List.of("/annotated", "/declared")) {
			MockServerHttpRequest request = MockServerHttpRequest.get(path)
				.header("X-Forwarded-Host", "example.org")
				.header("X-Forwarded-Prefix", "/edge")
				.build();
			handler.handle(request, new Response()).subscribe();
		}
		assertThat(this.streams.size()).isEqualTo(2);
		assertThat(this.streams.subscriptions()).as("subscriptions among the streams open").isEqualTo(2);
		pieces.tryEmitComplete();
		assertThat(this.streams.size()).isZero();
	}

	/**
	 * A request that is not a stream pays one object for the tracking, its response's
	 * decorator. The same tracking as a {@code WebFilter} added 280 bytes to it on Spring
	 * Framework 7, and more on 6.2: the chain an application's first filter brings.
	 */
	@Test
	void aRequestThatIsNotAStreamCostsItsResponsesDecoratorOnly() {
		assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
				"a JVM that counts the bytes each thread allocates");
		WebHandler application = (exchange) -> exchange.getResponse()
			.writeWith(Mono.fromSupplier(() -> DefaultDataBufferFactory.sharedInstance.wrap(BODY)));
		HttpHandler untracked = WebHttpHandlerBuilder.webHandler(application).build();
		HttpHandler tracked = handler(SubscriptionPaths.of(List.of()), null, application);
		MockServerHttpRequest request = MockServerHttpRequest.get("/fast").build();
		long added = Long.MAX_VALUE;
		// The least of a few rounds: a collection or a compilation in one round only adds.
		for (int round = 0; round < 5; round++) {
			long without = bytesAllocatedPerRequest(untracked, request);
			long with = bytesAllocatedPerRequest(tracked, request);
			added = Math.min(added, with - without);
		}
		assertThat(added).as("bytes the tracking adds to a request answered from a Mono").isLessThanOrEqualTo(64);
	}

	private HttpHandler handler(SubscriptionPaths paths, ForwardedHeaderTransformer forwarded, WebHandler application) {
		Supplier<ForwardedHeaderTransformer> transformer = () -> forwarded;
		WebHttpHandlerBuilder builder = WebHttpHandlerBuilder.webHandler(application)
			.httpHandlerDecorator(new WebFluxStreamTracking(this.streams, paths, transformer));
		if (forwarded != null) {
			builder.forwardedHeaderTransformer(forwarded);
		}
		return builder.build();
	}

	private static long bytesAllocatedPerRequest(HttpHandler handler, MockServerHttpRequest request) {
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		long thread = Thread.currentThread().getId();
		int requests = 20_000;
		for (int i = 0; i < requests; i++) {
			handler.handle(request, new Response()).block();
		}
		long before = threads.getThreadAllocatedBytes(thread);
		for (int i = 0; i < requests; i++) {
			handler.handle(request, new Response()).block();
		}
		return (threads.getThreadAllocatedBytes(thread) - before) / requests;
	}

	private static DataBuffer buffer(String text) {
		return DefaultDataBufferFactory.sharedInstance.wrap(text.getBytes(StandardCharsets.UTF_8));
	}

	static class Feeds {

		@Subscription
		Flux<String> annotated() {
			return Flux.never();
		}

	}

	/**
	 * A response that lets the bytes go. Spring's test response creates an exception for
	 * each instance, which would be most of what is measured.
	 */
	private static final class Response extends AbstractServerHttpResponse {

		Response() {
			super(DefaultDataBufferFactory.sharedInstance);
		}

		@Override
		public <T> T getNativeResponse() {
			throw new UnsupportedOperationException();
		}

		@Override
		protected Mono<Void> writeWithInternal(Publisher<? extends DataBuffer> body) {
			return Flux.from(body).then();
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
