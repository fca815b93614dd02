package io.github.terminator.autoconfigure;

import java.util.function.Function;

import io.github.terminator.core.StreamRegistry;
import io.github.terminator.core.StreamRegistry.TrackedStream;
import io.github.terminator.web.Subscription;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

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
 */
final class WebFluxStreamTracking implements WebFilter, Ordered {

	private final StreamRegistry streams;

	private final SubscriptionPaths paths;

	WebFluxStreamTracking(StreamRegistry streams, SubscriptionPaths paths) {
		this.streams = streams;
		this.paths = paths;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return chain.filter(new TrackedExchange(exchange));
	}

	/**
	 * A constant name: Spring Framework 7's filter chain names each filter's checkpoint
	 * with it at every request, and {@code Object.toString()} would build a new one each
	 * time.
	 */
	@Override
	public String toString() {
		return "terminator's stream tracking";
	}

	@Override
	public int getOrder() {
		// Around every other filter: what they write passes through the tracked response.
		return Ordered.HIGHEST_PRECEDENCE;
	}

	/**
	 * Whether the application declared a request's response a subscription. Asked when
	 * the response is written, once its handler was picked.
	 */
	boolean isSubscription(ServerWebExchange exchange) {
		if (DeclaredSubscriptions.isAnnotated(exchange.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE))) {
			return true;
		}
		if (this.paths.isEmpty()) {
			return false;
		}
		String path = exchange.getRequest().getPath().pathWithinApplication().value();
		return this.paths.mayMatch(path, "") && this.paths.matches(path);
	}

	/**
	 * An exchange whose response is tracked. One object where {@code mutate()} takes three
	 * (a builder, a decorator, and the response): this runs for every request. What the
	 * filters and handlers after this one mutate keeps the tracked response.
	 */
	private final class TrackedExchange extends ServerWebExchangeDecorator {

		private final StreamResponse response;

		TrackedExchange(ServerWebExchange exchange) {
			super(exchange);
			this.response = new StreamResponse(this);
		}

		@Override
		public ServerHttpResponse getResponse() {
			return this.response;
		}

	}

	/**
	 * The response of one exchange: registers a stream as its first piece is written.
	 */
	private final class StreamResponse extends ServerHttpResponseDecorator {

		private final ServerWebExchange exchange;

		StreamResponse(TrackedExchange exchange) {
			super(exchange.getDelegate().getResponse());
			this.exchange = exchange;
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
			boolean subscription = isSubscription(this.exchange);
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
