package io.github.terminator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The request an {@link ConnectionState#ACTIVE ACTIVE} connection is processing.
 * <p>
 * One is created for every request a server serves, so it reads one clock, the monotonic
 * one: when it started on the wall clock is only asked for when it is reported, and is
 * worked out then.
 */
public final class ActiveRequest {

	private final String method;

	/**
	 * The target as the server gave it, until {@link #path()} first strips it: a request
	 * is rarely reported, and a copy of its path made for each one would be garbage.
	 */
	private String path;

	private final long startNanos;

	/** Worked out when first asked for; racing threads work out the same instant. */
	private @Nullable Instant startedAt;

	/**
	 * Creates a request that started at the given moment. Keeps the path alone: query
	 * strings often carry personal data.
	 * @param method the HTTP method
	 * @param path the request path, or target; a query string is stripped
	 * @param startedAt when the request head was parsed
	 * @param startNanos {@link System#nanoTime()} at the same moment
	 */
	public ActiveRequest(String method, String path, Instant startedAt, long startNanos) {
		this(method, path, startNanos);
		this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
	}

	/**
	 * Creates a request that started at the given {@link System#nanoTime()}.
	 */
	ActiveRequest(String method, @Nullable String path, long startNanos) {
		this.method = Objects.requireNonNull(method, "method");
		this.path = (path != null) ? path : "";
		this.startNanos = startNanos;
	}

	/**
	 * The HTTP method.
	 * @return the method
	 */
	public String method() {
		return this.method;
	}

	/**
	 * The request path: a query string (or fragment) given when it was created is
	 * stripped, so that it never reaches a log line, a meter or the endpoint.
	 * @return the path
	 */
	public String path() {
		String path = this.path;
		String stripped = pathOf(path);
		if (stripped != path) {
			// Racing threads strip the same target to the same path.
			this.path = stripped;
		}
		return stripped;
	}

	/**
	 * When the request head was parsed, on the wall clock.
	 * @return when the request started
	 */
	public Instant startedAt() {
		Instant startedAt = this.startedAt;
		if (startedAt == null) {
			startedAt = Instant.now().minus(elapsed());
			this.startedAt = startedAt;
		}
		return startedAt;
	}

	/**
	 * When the request head was parsed, for elapsed times.
	 * @return {@link System#nanoTime()} at that moment
	 */
	public long startNanos() {
		return this.startNanos;
	}

	/**
	 * How long the request has been running.
	 * @return the elapsed time since the request started
	 */
	public Duration elapsed() {
		return Duration.ofNanos(System.nanoTime() - this.startNanos);
	}

	/**
	 * Strips the query string (and a fragment, should a client send one) from a request
	 * target, because paths are reported and query strings often carry personal data.
	 * @param target the request target or URI
	 * @return the path alone
	 */
	public static String pathOf(@Nullable String target) {
		if (target == null) {
			return "";
		}
		int end = target.length();
		int query = target.indexOf('?');
		if (query >= 0) {
			end = query;
		}
		int fragment = target.indexOf('#');
		if (fragment >= 0 && fragment < end) {
			end = fragment;
		}
		return (end == target.length()) ? target : target.substring(0, end);
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return other instanceof ActiveRequest request && this.startNanos == request.startNanos
				&& this.method.equals(request.method) && path().equals(request.path());
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.method, path(), this.startNanos);
	}

	@Override
	public String toString() {
		return "ActiveRequest[method=" + this.method + ", path=" + path() + ", startNanos=" + this.startNanos + "]";
	}

}
