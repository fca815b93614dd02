package io.github.terminator.test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpServletResponse;

import io.github.terminator.autoconfigure.DrainStartedEvent;
import io.github.terminator.web.Subscription;
import reactor.core.publisher.Flux;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.ai.tool.method.MethodToolCallbackProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import org.springframework.web.socket.server.standard.StandardWebSocketUpgradeStrategy;
import org.springframework.web.socket.server.support.DefaultHandshakeHandler;

/**
 * The application the server tests run: endpoints that answer at once, after a delay,
 * asynchronously, and as a stream (its first part sent at once), and a count of the requests that reached a handler.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@RestController
public class TestApplication implements TestEndpoints {

	/** The header that carries a client's id for its request to {@code /echo}. */
	public static final String REQUEST_ID = "X-Request-Id";

	/** Requests that reached a handler, per application instance. */
	final AtomicInteger hits = new AtomicInteger();

	/** Handlers of {@code /large} still writing. */
	final AtomicInteger writing = new AtomicInteger();

	/** Released by tests to let {@code /blocked} return. */
	final CountDownLatch release = new CountDownLatch(1);

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	/** The streams of {@code /own-sse}, which the application ends itself. */
	private final List<SseEmitter> ownStreams = new CopyOnWriteArrayList<>();

	/** Request ids that reached {@code /echo}: what the server read, as the oracle of the reliability tests. */
	final Set<String> received = ConcurrentHashMap.newKeySet();

	@Override
	public AtomicInteger hits() {
		return this.hits;
	}

	@Override
	public Set<String> received() {
		return this.received;
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

	/**
	 * Names the thread that serves the request: a virtual one says so.
	 */
	@GetMapping("/thread")
	String thread() {
		return Thread.currentThread().toString();
	}

	@GetMapping("/slow")
	String slow(@RequestParam long millis) throws InterruptedException {
		this.hits.incrementAndGet();
		Thread.sleep(millis);
		return "slow " + millis;
	}

	@GetMapping("/blocked")
	String blocked() throws InterruptedException {
		this.hits.incrementAndGet();
		this.release.await(60, TimeUnit.SECONDS);
		return "released";
	}

	/**
	 * Records the request's id and answers it, after {@code millis}, so a client can tell
	 * which of its requests the server read.
	 */
	/**
	 * Answers with the request's id. A POST's body is read, as an application reads what
	 * it is sent: a server may close a connection whose request body was left unread (Jetty
	 * does, after the response, when the body has not fully arrived), which its client
	 * cannot tell from a lost request.
	 */
	@RequestMapping(path = "/echo", method = { RequestMethod.GET, RequestMethod.POST })
	String echo(@RequestHeader(REQUEST_ID) String id, @RequestParam(defaultValue = "0") long millis,
			@RequestBody(required = false) String body) throws InterruptedException {
		this.hits.incrementAndGet();
		this.received.add(id);
		if (millis > 0) {
			Thread.sleep(millis);
		}
		return id;
	}

	/**
	 * Never returns until the test releases it, whatever interrupts it gets: a handler
	 * that no shutdown can stop.
	 */
	@GetMapping("/stuck")
	String stuck() {
		this.hits.incrementAndGet();
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
	}

	/**
	 * Writes {@code megabytes} of body: more than the socket buffers hold, so the
	 * handler blocks writing when the client does not read.
	 */
	@GetMapping(path = "/large", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	void large(@RequestParam int megabytes, HttpServletResponse response) throws IOException {
		this.hits.incrementAndGet();
		byte[] megabyte = new byte[1024 * 1024];
		response.setContentLengthLong((long) megabytes * megabyte.length);
		this.writing.incrementAndGet();
		try {
			OutputStream out = response.getOutputStream();
			for (int i = 0; i < megabytes; i++) {
				out.write(megabyte);
			}
		}
		finally {
			this.writing.decrementAndGet();
		}
	}

	@GetMapping("/throw")
	String fail(@RequestParam long millis) throws InterruptedException {
		this.hits.incrementAndGet();
		Thread.sleep(millis);
		throw new IllegalStateException("handler failed on purpose");
	}

	/**
	 * Reads the request's body, however slowly it comes, and answers its length.
	 */
	@PostMapping("/upload")
	String upload(@RequestBody byte[] body) {
		this.hits.incrementAndGet();
		return "received " + body.length;
	}

	@GetMapping("/deferred")
	DeferredResult<String> deferred(@RequestParam long millis) {
		this.hits.incrementAndGet();
		DeferredResult<String> result = new DeferredResult<>(60_000L);
		this.scheduler.schedule(() -> result.setResult("deferred " + millis), millis, TimeUnit.MILLISECONDS);
		return result;
	}

	@GetMapping("/callable")
	Callable<String> callable(@RequestParam long millis) {
		this.hits.incrementAndGet();
		return () -> {
			Thread.sleep(millis);
			return "callable " + millis;
		};
	}

	/**
	 * An endless event stream that the application ends itself when the drain starts, with
	 * a last {@code bye} event: what an application that turns the starter's completion of
	 * emitters off does.
	 */
	@GetMapping("/own-sse")
	SseEmitter ownSse() throws IOException {
		this.hits.incrementAndGet();
		SseEmitter emitter = new SseEmitter(60_000L);
		emitter.send("hello");
		this.ownStreams.add(emitter);
		return emitter;
	}

	@EventListener
	void drainStarted(DrainStartedEvent event) throws IOException {
		for (SseEmitter emitter : this.ownStreams) {
			emitter.send("bye");
			emitter.complete();
		}
	}

	@GetMapping("/sse")
	SseEmitter sse(@RequestParam int events, @RequestParam long intervalMillis) {
		this.hits.incrementAndGet();
		SseEmitter emitter = new SseEmitter(60_000L);
		for (int i = 1; i <= events; i++) {
			int event = i;
			this.scheduler.schedule(() -> {
				try {
					emitter.send("event " + event);
					if (event == events) {
						emitter.complete();
					}
				}
				catch (IOException ex) {
					emitter.completeWithError(ex);
				}
			}, intervalMillis * (i - 1), TimeUnit.MILLISECONDS);
		}
		return emitter;
	}

	/**
	 * The same stream as {@code /sse}, declared a subscription with the annotation.
	 */
	@Subscription
	@GetMapping("/annotated/sse")
	SseEmitter annotatedSse(@RequestParam int events, @RequestParam long intervalMillis) {
		return sse(events, intervalMillis);
	}

	/**
	 * A stream of server-sent events as a {@code Flux}, which Spring MVC subscribes to and
	 * writes element by element.
	 */
	@GetMapping(path = "/flux", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> flux(@RequestParam int events, @RequestParam long intervalMillis) {
		this.hits.incrementAndGet();
		return Flux.range(1, events)
			.delayElements(Duration.ofMillis(intervalMillis))
			.map((event) -> ServerSentEvent.builder("event " + event).build());
	}

	/**
	 * WebMvc.fn's server-sent events, their first event after {@code delayMillis}: the
	 * response is committed with it.
	 */
	@Bean
	RouterFunction<ServerResponse> functionalStreams() {
		return RouterFunctions.route().GET("/fn/sse", (request) -> {
			this.hits.incrementAndGet();
			int events = Integer.parseInt(request.param("events").orElseThrow());
			long intervalMillis = Long.parseLong(request.param("intervalMillis").orElseThrow());
			long delayMillis = Long.parseLong(request.param("delayMillis").orElse("0"));
			return ServerResponse.sse((sse) -> {
				for (int i = 1; i <= events; i++) {
					int event = i;
					this.scheduler.schedule(() -> {
						try {
							sse.data("event " + event);
							if (event == events) {
								sse.complete();
							}
						}
						catch (IOException ex) {
							sse.error(ex);
						}
					}, delayMillis + intervalMillis * (i - 1), TimeUnit.MILLISECONDS);
				}
			}, Duration.ofMinutes(1));
		}).build();
	}

	/**
	 * A long poll that no event ever answers: its timeout answers {@code no news}.
	 */
	@GetMapping("/poll")
	DeferredResult<String> poll() {
		this.hits.incrementAndGet();
		return new DeferredResult<>(60_000L, "no news");
	}

	/**
	 * A streamed body of {@code chunks} lines, the first after {@code delayMillis}: the
	 * response is committed with it.
	 */
	@GetMapping(path = "/stream", produces = MediaType.TEXT_PLAIN_VALUE)
	StreamingResponseBody stream(@RequestParam int chunks, @RequestParam long intervalMillis,
			@RequestParam(defaultValue = "0") long delayMillis) {
		this.hits.incrementAndGet();
		return (out) -> {
			for (int i = 1; i <= chunks; i++) {
				try {
					Thread.sleep((i > 1) ? intervalMillis : delayMillis);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IOException(ex);
				}
				out.write(("chunk " + i + "\n").getBytes(StandardCharsets.UTF_8));
				out.flush();
			}
		};
	}

	/**
	 * An MCP tool, {@code slowEcho}, served by Spring AI's MCP server when
	 * {@code spring.ai.mcp.server.enabled=true} (the tests turn it off otherwise): it answers
	 * its text after {@code millis}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.ai.tool.ToolCallbackProvider")
	@ConditionalOnProperty(name = "spring.ai.mcp.server.enabled", havingValue = "true")
	static class McpTools {

		@Bean
		ToolCallbackProvider testTools() {
			return MethodToolCallbackProvider.builder().toolObjects(new SlowEcho()).build();
		}

	}

	/**
	 * The tool of {@link McpTools}.
	 */
	public static class SlowEcho {

		@Tool(description = "Answers the text after the given number of milliseconds")
		public String slowEcho(@ToolParam(description = "the text to answer") String text,
				@ToolParam(description = "how long to wait, in milliseconds") long millis) throws InterruptedException {
			Thread.sleep(millis);
			return text;
		}

	}

	/**
	 * A WebSocket that echoes text, on {@code /ws}, through Spring's WebSocket support and
	 * the server's Jakarta WebSocket container; with {@code test.websocket=true}, for the
	 * tests that need one.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "test.websocket", havingValue = "true")
	@EnableWebSocket
	static class WebSockets implements WebSocketConfigurer {

		@Override
		public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
			registry.addHandler(new TextWebSocketHandler() {

				@Override
				protected void handleTextMessage(WebSocketSession session, TextMessage message) throws IOException {
					session.sendMessage(new TextMessage("echo " + message.getPayload()));
				}

			}, "/ws")
				// The Jakarta WebSocket API, whichever server runs: Spring picks a server's own
				// strategy by the classes present, and the suite has several servers there.
				.setHandshakeHandler(new DefaultHandshakeHandler(new StandardWebSocketUpgradeStrategy()));
		}

	}

}
