package io.github.terminator.test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.terminator.web.Subscription;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;
import org.springframework.web.server.WebFilter;

/**
 * The {@link TestApplication}'s endpoints on Spring WebFlux, for the reactive servers:
 * the same paths answer the same way, without blocking an event loop (what waits, waits
 * on a timer or on a bounded-elastic thread). The streams on a timer drop the ticks a
 * client too slow to read them leaves, as the servlet ones block on them.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@RestController
public class ReactiveTestApplication implements TestEndpoints {

	private final AtomicInteger hits = new AtomicInteger();

	private final AtomicInteger writing = new AtomicInteger();

	private final CountDownLatch release = new CountDownLatch(1);

	private final Set<String> received = ConcurrentHashMap.newKeySet();

	private final Map<String, String> outcomes = new ConcurrentHashMap<>();

	@Override
	public AtomicInteger hits() {
		return this.hits;
	}

	@Override
	public Set<String> received() {
		return this.received;
	}

	@Override
	public Map<String, String> outcomes() {
		return this.outcomes;
	}

	/**
	 * Records how the exchange of each request with an id ended: its response written
	 * (the exchange completes once the server has flushed it), failed, or cancelled (the
	 * connection closed first), with the server's id of the exchange, which names its
	 * connection on Reactor Netty.
	 */
	@Bean
	WebFilter outcomeRecorder() {
		return (exchange, chain) -> {
			String id = exchange.getRequest().getHeaders().getFirst(TestApplication.REQUEST_ID);
			if (id == null) {
				return chain.filter(exchange);
			}
			String exchangeId = exchange.getRequest().getId();
			return chain.filter(exchange)
				.doOnSuccess((done) -> this.outcomes.put(id,
						"written, " + exchange.getResponse().getStatusCode() + ", exchange " + exchangeId))
				.doOnError((ex) -> this.outcomes.put(id, "failed, " + ex + ", exchange " + exchangeId))
				.doOnCancel(() -> this.outcomes.put(id, "cancelled, exchange " + exchangeId));
		};
	}

	@Override
	public AtomicInteger writing() {
		return this.writing;
	}

	@Override
	public CountDownLatch release() {
		return this.release;
	}

	@GetMapping("/fast")
	String fast() {
		this.hits.incrementAndGet();
		return "fast";
	}

	@GetMapping("/thread")
	String thread() {
		return Thread.currentThread().toString();
	}

	@GetMapping("/slow")
	Mono<String> slow(@RequestParam long millis) {
		this.hits.incrementAndGet();
		return Mono.delay(Duration.ofMillis(millis)).thenReturn("slow " + millis);
	}

	@GetMapping("/blocked")
	Mono<String> blocked() {
		this.hits.incrementAndGet();
		return Mono.fromCallable(() -> this.release.await(60, TimeUnit.SECONDS))
			.subscribeOn(Schedulers.boundedElastic())
			.thenReturn("released");
	}

	/**
	 * Answers with the request's id, after {@code millis}, its body read first.
	 */
	@RequestMapping(path = "/echo", method = { RequestMethod.GET, RequestMethod.POST })
	Mono<String> echo(@RequestHeader(TestApplication.REQUEST_ID) String id,
			@RequestParam(defaultValue = "0") long millis, @RequestBody(required = false) Mono<String> body) {
		return ((body != null) ? body : Mono.<String>empty()).then(Mono.defer(() -> {
			this.hits.incrementAndGet();
			this.received.add(id);
			Mono<String> answer = Mono.just(id);
			return (millis > 0) ? answer.delayElement(Duration.ofMillis(millis)) : answer;
		}));
	}

	/**
	 * Never completes until the test releases it, whatever cancels it.
	 */
	@GetMapping("/stuck")
	Mono<String> stuck() {
		this.hits.incrementAndGet();
		return Mono.fromCallable(() -> {
			boolean interrupted = false;
			while (this.release.getCount() > 0) {
				try {
					this.release.await();
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
			return "unstuck";
		}).subscribeOn(Schedulers.boundedElastic());
	}

	/**
	 * Writes {@code megabytes} of body in pieces of 8 KB, each once the ones before have
	 * left: more than the socket buffers hold, so the write waits when the client does not
	 * read. Not in pieces of a megabyte: Reactor Netty writes up to 128 pieces ahead of the
	 * socket (its prefetch), each copied into direct memory, and 128 MB behind a client
	 * that does not read held the event loop in allocation for seconds in a loaded test
	 * JVM, the forced close queued behind it.
	 */
	@GetMapping(path = "/large", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	Mono<Void> large(@RequestParam int megabytes, ServerHttpResponse response) {
		this.hits.incrementAndGet();
		byte[] piece = new byte[8 * 1024];
		int piecesPerMegabyte = 1024 * 1024 / piece.length;
		response.getHeaders().set(HttpHeaders.CONTENT_LENGTH, Long.toString((long) megabytes * 1024 * 1024));
		this.writing.incrementAndGet();
		Flux<DataBuffer> body = Flux.range(0, megabytes * piecesPerMegabyte)
			.map((i) -> DefaultDataBufferFactory.sharedInstance.wrap(piece));
		return response.writeWith(body).doFinally((signal) -> this.writing.decrementAndGet());
	}

	@GetMapping("/throw")
	Mono<String> fail(@RequestParam long millis) {
		this.hits.incrementAndGet();
		return Mono.delay(Duration.ofMillis(millis)).then(Mono.error(new IllegalStateException("handler failed on purpose")));
	}

	/**
	 * Reads the request's body, however slowly it comes, and answers its length.
	 */
	@PostMapping("/upload")
	Mono<String> upload(@RequestBody Mono<byte[]> body) {
		this.hits.incrementAndGet();
		return body.defaultIfEmpty(new byte[0]).map((bytes) -> "received " + bytes.length);
	}

	@GetMapping("/deferred")
	Mono<String> deferred(@RequestParam long millis) {
		this.hits.incrementAndGet();
		return Mono.delay(Duration.ofMillis(millis)).thenReturn("deferred " + millis);
	}

	@GetMapping("/callable")
	Mono<String> callable(@RequestParam long millis) {
		this.hits.incrementAndGet();
		return Mono.fromCallable(() -> {
			Thread.sleep(millis);
			return "callable " + millis;
		}).subscribeOn(Schedulers.boundedElastic());
	}

	/**
	 * A finite stream of server-sent events, the first at once and one every
	 * {@code intervalMillis}, like {@code /sse} on the servlet stack.
	 */
	@GetMapping(path = "/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> sse(@RequestParam int events, @RequestParam long intervalMillis) {
		this.hits.incrementAndGet();
		return Flux.interval(Duration.ZERO, Duration.ofMillis(intervalMillis))
			.onBackpressureDrop()
			.take(events)
			.map((i) -> ServerSentEvent.builder("event " + (i + 1)).build());
	}

	/**
	 * A stream of server-sent events as a {@code Flux} of values, each after
	 * {@code intervalMillis}, which WebFlux writes element by element.
	 */
	@GetMapping(path = "/flux", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> flux(@RequestParam int events, @RequestParam long intervalMillis) {
		this.hits.incrementAndGet();
		return Flux.range(1, events)
			.delayElements(Duration.ofMillis(intervalMillis))
			.map((event) -> ServerSentEvent.builder("event " + event).build());
	}

	/**
	 * The same stream as {@code /sse}, declared a subscription with the annotation.
	 */
	@Subscription
	@GetMapping(path = "/annotated/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> annotatedSse(@RequestParam int events, @RequestParam long intervalMillis) {
		return sse(events, intervalMillis);
	}

	/**
	 * WebFlux.fn's server-sent events, the first after {@code delayMillis}: the response is
	 * committed with it.
	 */
	@Bean
	RouterFunction<ServerResponse> functionalSse() {
		return RouterFunctions.route().GET("/fn/sse", (request) -> {
			this.hits.incrementAndGet();
			int events = Integer.parseInt(request.queryParam("events").orElseThrow());
			long interval = Long.parseLong(request.queryParam("intervalMillis").orElseThrow());
			long delay = Long.parseLong(request.queryParam("delayMillis").orElse("0"));
			Flux<ServerSentEvent<String>> body = Flux.interval(Duration.ofMillis(delay), Duration.ofMillis(interval))
				.onBackpressureDrop()
				.take(events)
				.map((i) -> ServerSentEvent.builder("event " + (i + 1)).build());
			return ServerResponse.ok()
				.contentType(MediaType.TEXT_EVENT_STREAM)
				.body(BodyInserters.fromServerSentEvents(body));
		}).build();
	}

	/**
	 * A WebSocket at {@code /ws} that echoes each text message, as on the servlet stack.
	 */
	@Bean
	HandlerMapping webSocketMapping() {
		WebSocketHandler echo = (session) -> session
			.send(session.receive().map((message) -> session.textMessage("echo " + message.getPayloadAsText())));
		return new SimpleUrlHandlerMapping(Map.of("/ws", echo), -1);
	}

	/**
	 * Reactor Netty's WebSocket upgrade: Spring picks a server's by the classes present,
	 * and the suite has several servers there.
	 */
	@Bean
	WebFluxConfigurer reactorNettyWebSockets() {
		return new WebFluxConfigurer() {

			@Override
			public WebSocketService getWebSocketService() {
				return new HandshakeWebSocketService(new ReactorNettyRequestUpgradeStrategy());
			}

		};
	}

	/**
	 * A streamed body of {@code chunks} lines, the first after {@code delayMillis}, like
	 * {@code /stream} on the servlet stack.
	 */
	@GetMapping(path = "/stream", produces = MediaType.TEXT_PLAIN_VALUE)
	Flux<String> stream(@RequestParam int chunks, @RequestParam long intervalMillis,
			@RequestParam(defaultValue = "0") long delayMillis) {
		this.hits.incrementAndGet();
		return Flux.interval(Duration.ofMillis(delayMillis), Duration.ofMillis(intervalMillis))
			.onBackpressureDrop()
			.take(chunks)
			.map((i) -> "chunk " + (i + 1) + "\n");
	}

}
