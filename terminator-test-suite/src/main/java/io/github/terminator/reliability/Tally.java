package io.github.terminator.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the clients of a reliability test saw, request by request: the client's oracle.
 * Every request a client wrote must have got its full response; the only other outcome
 * allowed is a new connection refused before the client wrote a byte. What the server
 * read only tells the two kinds of failure apart: a request it read and left without a
 * response is lost work, one it never read is a request the client cannot tell from
 * lost work.
 */
final class Tally {

	private static final AtomicInteger NEXT_ID = new AtomicInteger();

	/** Ids of the requests that got their full, right response. */
	final Set<String> served = ConcurrentHashMap.newKeySet();

	/** Ids of the requests served before the test began, to open connections. */
	final Set<String> warmUp = ConcurrentHashMap.newKeySet();

	/**
	 * Ids of the requests written and then answered by an end of file or a reset before a
	 * single response byte: failures, whether or not the server read them.
	 */
	final Set<String> unanswered = ConcurrentHashMap.newKeySet();

	/** Of the {@link #unanswered} requests, those whose connection was reset. */
	final Set<String> reset = ConcurrentHashMap.newKeySet();

	/** What the client saw of each {@link #unanswered} request, where it said. */
	final Map<String, String> causes = new ConcurrentHashMap<>();

	/** New connections refused once the listener was closed, before a byte was written. */
	final AtomicInteger refused = new AtomicInteger();

	/**
	 * What was known when each request ended in a refused connection, where its test
	 * said: a client that retries by itself (the JDK's retries a GET whose connection
	 * ended before its response) may have written the request first on a connection the
	 * server read it from.
	 */
	final Map<String, String> refusals = new ConcurrentHashMap<>();

	/** What the clients threw for the unanswered requests, by root cause. */
	final Map<String, Integer> errors = new ConcurrentHashMap<>();

	/** Everything else a client must never see: an error status, a broken response, a refusal while serving. */
	final List<String> failures = new CopyOnWriteArrayList<>();

	/**
	 * A new request id, unique in the JVM.
	 * @return the id
	 */
	static String nextId() {
		return "r" + NEXT_ID.incrementAndGet();
	}

	/**
	 * Records a request that its client wrote and that got no response.
	 * @param id the request's id
	 * @param wasReset whether its connection was reset, rather than ended with a FIN
	 */
	void unanswered(String id, boolean wasReset) {
		this.unanswered.add(id);
		if (wasReset) {
			this.reset.add(id);
		}
	}

	/**
	 * Records a request that its client wrote and that got no response, with what the
	 * client threw.
	 * @param id the request's id
	 * @param cause what the client saw
	 */
	void unanswered(String id, String cause) {
		unanswered(id, cause.toLowerCase(Locale.ROOT).contains("reset"));
		this.causes.put(id, cause);
	}

	/**
	 * Records a request whose client found its new connection refused.
	 * @param id the request's id
	 * @param when what the test knew then
	 */
	void refused(String id, String when) {
		this.refused.incrementAndGet();
		this.refusals.put(id, when);
	}

	/**
	 * Adds what another tally counted to this one.
	 * @param other the tally of one round
	 */
	void add(Tally other) {
		this.served.addAll(other.served);
		this.unanswered.addAll(other.unanswered);
		this.reset.addAll(other.reset);
		this.causes.putAll(other.causes);
		this.refused.addAndGet(other.refused.get());
		this.refusals.putAll(other.refusals);
		other.errors.forEach((error, count) -> this.errors.merge(error, count, Integer::sum));
		this.failures.addAll(other.failures);
	}

	/**
	 * Asserts the client's oracle: every request written got its full response, and
	 * nothing else went wrong. A failure names which of the unanswered requests the
	 * server had read.
	 * @param receivedByServer ids of the requests that reached the handler
	 * @param serverOutcomes how the server's exchange of each request ended, where known,
	 * for the failure message
	 */
	void assertEveryRequestAnswered(Set<String> receivedByServer, Map<String, String> serverOutcomes) {
		assertThat(this.failures).as("what clients must never see").isEmpty();
		List<String> unanswered = new ArrayList<>();
		for (String id : new TreeSet<>(this.unanswered)) {
			unanswered.add(id + (this.reset.contains(id) ? " (reset" : " (end of file")
					+ (receivedByServer.contains(id) ? ", read by the server)" : ", never read by the server)")
					+ (this.causes.containsKey(id) ? ": " + this.causes.get(id) : ""));
		}
		assertThat(unanswered).as("requests written and left without a response").isEmpty();
		Set<String> lost = new TreeSet<>(receivedByServer);
		lost.removeAll(this.served);
		lost.removeAll(this.warmUp);
		assertThat(lost.stream()
			.map((id) -> id + (serverOutcomes.containsKey(id) ? " (server: " + serverOutcomes.get(id) + ")" : "")
					+ (this.refusals.containsKey(id)
							? " (the client then found a new connection refused, " + this.refusals.get(id) + ")" : ""))
			.toList()).as("requests read by the server and left without a response").isEmpty();
	}

	@Override
	public String toString() {
		return this.served.size() + " served, " + this.unanswered.size() + " written and left without a response ("
				+ this.reset.size() + " reset), " + this.refused.get()
				+ " new connections refused after the listener closed";
	}

}
