package io.github.terminator.test;

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

	/** Handlers of {@code /large} still writing. */
	AtomicInteger writing();

	/** Released by tests to let {@code /blocked} and {@code /stuck} return. */
	CountDownLatch release();

}
