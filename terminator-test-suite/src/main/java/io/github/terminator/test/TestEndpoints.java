package io.github.terminator.test;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the tests read of the test application, servlet or reactive: the same endpoints
 * keep the same counts on either stack.
 */
interface TestEndpoints {

	/** Requests that reached a handler. */
	AtomicInteger hits();

	/** Request ids that reached {@code /echo}: what the server read. */
	Set<String> received();

	/**
	 * How the server's exchange of each request to {@code /echo} ended, by request id,
	 * where the stack tells: for the failure message of a request the server read and
	 * left without a response.
	 */
	default Map<String, String> outcomes() {
		return Map.of();
	}

	/** Handlers of {@code /large} still writing. */
	AtomicInteger writing();

	/** Released by tests to let {@code /blocked} and {@code /stuck} return. */
	CountDownLatch release();

}
