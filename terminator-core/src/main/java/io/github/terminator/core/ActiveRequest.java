package io.github.terminator.core;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * The request an {@link ConnectionState#ACTIVE ACTIVE} connection is processing.
 *
 * @param method the HTTP method
 * @param path the request path; a query string (or fragment) given here is stripped, so
 * that it never reaches a log line, a meter or the endpoint
 * @param startedAt when the request head was parsed
 * @param startNanos {@link System#nanoTime()} at the same moment, for elapsed times
 */
public record ActiveRequest(String method, String path, Instant startedAt, long startNanos) {

	/**
	 * Keeps the path alone: query strings often carry personal data.
	 * @param method the HTTP method
	 * @param path the request path, or target; a query string is stripped
	 * @param startedAt when the request head was parsed
	 * @param startNanos {@link System#nanoTime()} at the same moment
	 */
	public ActiveRequest {
		path = pathOf(path);
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
		return target.substring(0, end);
	}

}
