package io.github.terminator.autoconfigure;

import jakarta.servlet.http.HttpServletRequest;

/**
 * One way the streams of a servlet application are declared subscriptions, to be ended
 * when the drain starts: by the application itself ({@code @Subscription},
 * {@code terminator.subscriptions}), or by an integration that knows a library's streams.
 */
interface ServletSubscriptions {

	/**
	 * Whether a request's stream is a subscription.
	 * @param request the request, its handler chosen
	 * @return whether it is one
	 */
	boolean isSubscription(HttpServletRequest request);

	/**
	 * How to end a subscription this declares.
	 * @param request the request
	 * @param end how a stream of its kind ends, or {@code null} when it cannot be ended
	 * from outside
	 * @return how to end it, or {@code null} to leave it to the application
	 */
	default Runnable end(HttpServletRequest request, Runnable end) {
		return end;
	}

}
