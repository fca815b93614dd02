package io.github.terminator.reliability;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the clients of a reliability test saw, request by request, set against what the
 * server read: the oracle of "nothing lost".
 */
final class Tally {

	private static final AtomicInteger NEXT_ID = new AtomicInteger();

	/** Ids of the requests that got their full, right response. */
	final Set<String> served = ConcurrentHashMap.newKeySet();

	/** Ids of the requests served before the test began, to open connections. */
	final Set<String> warmUp = ConcurrentHashMap.newKeySet();

	/**
	 * Ids of the requests sent on a kept-alive connection that closed before a single
	 * response byte: the close and the request crossed.
	 */
	final Set<String> closedBeforeResponse = ConcurrentHashMap.newKeySet();

	/**
	 * New connections refused once the listener was closed, or reset with it from the
	 * kernel's accept queue before the server read anything.
	 */
	final AtomicInteger refused = new AtomicInteger();

	/** What the clients threw for the requests closed before their response, by root cause. */
	final Map<String, Integer> errors = new ConcurrentHashMap<>();

	/** Everything a client must never see: an error status, a broken response, a refusal while serving. */
	final List<String> failures = new CopyOnWriteArrayList<>();

	/**
	 * A new request id, unique in the JVM.
	 * @return the id
	 */
	static String nextId() {
		return "r" + NEXT_ID.incrementAndGet();
	}

	/**
	 * Asserts that no client saw a failure and that every request the server read got its
	 * response: a request without one was never read, so its client may retry it.
	 * @param receivedByServer ids of the requests that reached the handler
	 */
	void assertNothingLost(Set<String> receivedByServer) {
		assertThat(this.failures).as("what clients must never see").isEmpty();
		Set<String> lost = new TreeSet<>(receivedByServer);
		lost.removeAll(this.served);
		lost.removeAll(this.warmUp);
		assertThat(lost).as("requests read by the server and left without a response").isEmpty();
	}

	@Override
	public String toString() {
		return this.served.size() + " served, " + this.closedBeforeResponse.size()
				+ " closed before any response byte (safe to retry), " + this.refused.get()
				+ " new connections refused or reset unread after the listener closed";
	}

}
