package io.github.terminator.autoconfigure;

import java.util.function.Function;
import java.util.function.Supplier;

import io.github.terminator.core.StreamRegistry;
import io.github.terminator.core.StreamRegistry.TrackedStream;
import io.github.terminator.web.Subscription;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.adapter.ForwardedHeaderTransformer;

/**
 * Tracks Spring WebFlux's streams, and ends the declared subscriptions among them when the
 * drain starts.
 * <p>
 * A stream is a response WebFlux writes piece by piece, from a {@code Flux}: server-sent
 * events and the other streaming media types ({@code application/x-ndjson}), a
 * {@code Flux} of values in any other, a body written from a {@code Flux} of buffers. A
 * subscription is a stream the application declared: {@link Subscription @Subscription}
 * on its handler method or controller, or its path in {@code terminator.subscriptions}. A
 * subscription ends, when the drain starts, as its own end would: its publisher is
 * cancelled after the element being written, and the response completes with its
 * terminal chunk. A finite stream runs to its end, as any request.
 * <p>
 * It decorates the {@link HttpHandler}, not the exchange through a {@code WebFilter}: an
 * application's first filter costs each of its requests a filter chain, which was most of
 * what tracking added to a request. Here a request costs one object, its response's
 * decorator.
 */
final class WebFluxStreamTracking implements HttpHandlerDecoratorFactory, Ordered {

	private final StreamRegistry streams;

	private final SubscriptionPaths paths;

	private final Supplier<ForwardedHeaderTransformer> forwardedHeaders;

	/**
	 * Creates the tracking of the streams of an application.
	 * @param streams where the streams are tracked
	 * @param paths the paths declared subscriptions
	 * @param forwardedHeaders the transformer the application's {@code HttpHandler}
	 * applies to each request, or {@code null}; asked once, when the handler is built
	 */
	WebFluxStreamTracking(StreamRegistry streams, SubscriptionPaths paths,
			Supplier<ForwardedHeaderTransformer> forwardedHeaders) {
		this.streams = streams;
		this.paths = paths;
		this.forwardedHeaders = forwardedHeaders;
	}

	@Override
	public HttpHandler apply(HttpHandler handler) {
		ForwardedHeaderTransformer forwarded = this.forwardedHeaders.get();
		if (forwarded == null) {
			return (request, response) -> handler.handle(request, new StreamResponse(request, response));
		}
		// The exchange links its attributes, where the handler that was picked is, to the
		// request it is given. The transformer gives it a new request when the headers are
		// there, so it is applied here first: it removes them, and the second time is a
		// no-op that keeps the request this response reads.
		return (request, response) -> {
			ServerHttpRequest transformed = forwarded.apply(request);
			return handler.handle(transformed, new StreamResponse(transformed, response));
		};
	}

	@Override
	public int getOrder() {
		// Innermost: what it decorates is the exchange's own response, and what it holds the
		// request the exchange links its attributes to.
		return Ordered.LOWEST_PRECEDENCE;
	}

	/**
	 * Whether the application declared a request's response a subscription. Asked when
	 * the response is written, once its handler was picked.
	 */
	boolean isSubscription(ServerHttpRequest request) {
		if (DeclaredSubscriptions.isAnnotated(request.getAttributes().get(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE))) {
			return true;
		}
		if (this.paths.isEmpty()) {
			return false;
		}
		String path = request.getPath().pathWithinApplication().value();
		return this.paths.mayMatch(path, "") && this.paths.matches(path);
	}

	/**
	 * The response of one exchange: registers a stream as its first piece is written.
	 */
	private final class StreamResponse extends ServerHttpResponseDecorator {

		private final ServerHttpRequest request;

		StreamResponse(ServerHttpRequest request, ServerHttpResponse response) {
			super(response);
			this.request = request;
		}

		/**
		 * A body that is a {@code Flux} is written piece by piece: a stream. A single value
		 * comes as a {@code Mono}.
		 */
		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			if (!(body instanceof Flux<? extends DataBuffer> flux)) {
				return super.writeWith(body);
			}
			return track(flux, super::writeWith);
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			return track(Flux.from(body), super::writeAndFlushWith);
		}

		private <T> Mono<Void> track(Flux<T> pieces, Function<Flux<T>, Mono<Void>> write) {
			boolean subscription = isSubscription(this.request);
			if (!subscription) {
				TrackedStream stream = WebFluxStreamTracking.this.streams.open(false, null);
				return write.apply(pieces).doFinally((signal) -> stream.finished());
			}
			Sinks.Empty<Void> end = Sinks.empty();
			TrackedStream stream = WebFluxStreamTracking.this.streams.open(true, end::tryEmitEmpty);
			return write.apply(pieces.takeUntilOther(end.asMono())).doFinally((signal) -> stream.finished());
		}

	}

}
