package io.github.terminator.sample;

import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Requests to have in flight when the application stops: one that answers at once, one
 * that takes its time, and one that streams its body.
 */
@RestController
public class SampleController {

	private static final Log logger = LogFactory.getLog(SampleController.class);

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

}
