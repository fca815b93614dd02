package io.github.terminator.sample;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Requests to have in flight when the application stops: one that answers at once, one
 * that takes its time, one that streams its body, an answer streamed token by token, and
 * an endless stream of server-sent events.
 */
@RestController
public class SampleController {

	private static final Log logger = LogFactory.getLog(SampleController.class);

	private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "sample-events");
		thread.setDaemon(true);
		return thread;
	});

	/**
	 * Answers at once.
	 * @return {@code fast}
	 */
	@GetMapping("/fast")
	public String fast() {
		return "fast";
	}

	/**
	 * Answers after a while. Logs when it starts, so that one can see which requests were
	 * running when the application stopped.
	 * @param millis how long to take
	 * @return {@code slow} and the time taken
	 * @throws InterruptedException if the request thread is interrupted while it waits
	 */
	@GetMapping("/slow")
	public String slow(@RequestParam(defaultValue = "2000") long millis) throws InterruptedException {
		logger.info("Slow request started: answering in " + millis + " ms");
		Thread.sleep(millis);
		return "slow " + millis;
	}

	/**
	 * Streams its body a line at a time: a response that is already sent in part when the
	 * application stops.
	 * @param chunks how many lines to send
	 * @param intervalMillis how long to wait before each line
	 * @return the body, written as the lines come
	 */
	@GetMapping(path = "/stream", produces = MediaType.TEXT_PLAIN_VALUE)
	public StreamingResponseBody stream(@RequestParam(defaultValue = "10") int chunks,
			@RequestParam(defaultValue = "500") long intervalMillis) {
		return (out) -> {
			for (int chunk = 1; chunk <= chunks; chunk++) {
				try {
					Thread.sleep(intervalMillis);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new InterruptedIOException("interrupted before chunk " + chunk);
				}
				out.write(("chunk " + chunk + "\n").getBytes(StandardCharsets.UTF_8));
				out.flush();
			}
		};
	}

	/**
	 * An answer streamed token by token, as a language model's is, then {@code [DONE]}: a
	 * finite stream, which finishes like any request when the application stops.
	 * @param tokens how many tokens to send
	 * @param intervalMillis how long to wait before each token
	 * @return the emitter the tokens are sent to
	 */
	@GetMapping(path = "/answer", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	public SseEmitter answer(@RequestParam(defaultValue = "10") int tokens,
			@RequestParam(defaultValue = "300") long intervalMillis) {
		SseEmitter emitter = new SseEmitter(0L);
		AtomicLong sent = new AtomicLong();
		ScheduledFuture<?> ticks = this.ticker.scheduleAtFixedRate(() -> {
			try {
				long token = sent.incrementAndGet();
				if (token <= tokens) {
					emitter.send("token " + token);
					return;
				}
				emitter.send("[DONE]");
				emitter.complete();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			// Done, or the client went away: not run again.
			throw new IllegalStateException("answered");
		}, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
		emitter.onCompletion(() -> ticks.cancel(false));
		emitter.onError((ex) -> ticks.cancel(false));
		return emitter;
	}

	/**
	 * An endless stream of server-sent events, one every {@code intervalMillis}: a
	 * response that never ends by itself. It is declared a subscription in
	 * {@code application.yml} ({@code terminator.subscriptions}): it is ended when the
	 * application stops, and its client (an {@code EventSource}) reconnects elsewhere.
	 * @param intervalMillis how long to wait before each event
	 * @return the emitter the events are sent to
	 */
	@GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	public SseEmitter events(@RequestParam(defaultValue = "500") long intervalMillis) {
		// No timeout: the stream ends when its client goes, or the application stops.
		SseEmitter emitter = new SseEmitter(0L);
		AtomicLong sent = new AtomicLong();
		ScheduledFuture<?> ticks = this.ticker.scheduleAtFixedRate(() -> {
			try {
				emitter.send("tick " + sent.incrementAndGet());
			}
			catch (IOException ex) {
				// The client went away. A task that throws is not run again, and neither
				// is one whose emitter has completed (send throws IllegalStateException).
				throw new UncheckedIOException(ex);
			}
		}, 0, intervalMillis, TimeUnit.MILLISECONDS);
		emitter.onCompletion(() -> ticks.cancel(false));
		emitter.onError((ex) -> ticks.cancel(false));
		return emitter;
	}

}
