package io.github.terminator.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The application the server tests run: endpoints that answer at once, after a delay,
 * asynchronously, and as a stream (its first part sent at once), and a count of the requests that reached a handler.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@RestController
public class TestApplication {

	/** Requests that reached a handler, per application instance. */
	final AtomicInteger hits = new AtomicInteger();

	/** Released by tests to let {@code /blocked} return. */
	final CountDownLatch release = new CountDownLatch(1);

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	@GetMapping("/fast")
	String fast() {
		this.hits.incrementAndGet();
		return "fast";
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

	@GetMapping(path = "/stream", produces = MediaType.TEXT_PLAIN_VALUE)
	StreamingResponseBody stream(@RequestParam int chunks, @RequestParam long intervalMillis) {
		this.hits.incrementAndGet();
		return (out) -> {
			for (int i = 1; i <= chunks; i++) {
				if (i > 1) {
					try {
						Thread.sleep(intervalMillis);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						throw new IOException(ex);
					}
				}
				out.write(("chunk " + i + "\n").getBytes(StandardCharsets.UTF_8));
				out.flush();
			}
		};
	}

}
