package io.github.terminator.sample.webflux;

import java.time.Duration;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Requests to have in flight when the application stops: one that answers at once, one
 * that takes its time, an answer streamed token by token, and an endless stream of
 * server-sent events.
 */
@RestController
public class StreamController {

	@GetMapping("/fast")
	public Mono<String> fast() {
		return Mono.just("fast");
	}

	/**
	 * Answers after {@code millis}, without holding a thread.
	 * @param millis how long to take
	 * @return the answer
	 */
	@GetMapping("/slow")
	public Mono<String> slow(@RequestParam(defaultValue = "2000") long millis) {
		return Mono.delay(Duration.ofMillis(millis)).thenReturn("slow " + millis);
	}

	/**
	 * An answer streamed token by token, as a language model's is, then {@code [DONE]}: a
	 * finite stream, which finishes like any request when the application stops.
	 * @param tokens how many tokens to send
	 * @param intervalMillis how long to wait before each token
	 * @return the events
	 */
	@GetMapping(path = "/answer", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	public Flux<ServerSentEvent<String>> answer(@RequestParam(defaultValue = "10") int tokens,
			@RequestParam(defaultValue = "300") long intervalMillis) {
		return Flux.range(1, tokens)
			.delayElements(Duration.ofMillis(intervalMillis))
			.map((token) -> ServerSentEvent.builder("token " + token).build())
			.concatWithValues(ServerSentEvent.builder("[DONE]").build());
	}

	/**
	 * An endless stream of server-sent events, the first at once, then one every
	 * {@code intervalMillis}: a
	 * response that never ends by itself. It is declared a subscription in
	 * {@code application.yml} ({@code terminator.subscriptions}): it is ended when the
	 * application stops, and its client (an {@code EventSource}) reconnects elsewhere.
	 * @param intervalMillis how long to wait before each event
	 * @return the events
	 */
	@GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	public Flux<ServerSentEvent<String>> events(@RequestParam(defaultValue = "500") long intervalMillis) {
		return Flux.interval(Duration.ZERO, Duration.ofMillis(intervalMillis))
			.onBackpressureDrop()
			.map((tick) -> ServerSentEvent.builder("event " + (tick + 1)).build());
	}

}
