package io.github.terminator.core;

/**
 * Where a tracked connection stands in its life, as the contract names it.
 */
public enum ConnectionState {

	/**
	 * Accepted, no complete request head read yet: a browser pre-connect, or a slow or
	 * partial request head.
	 */
	NEW,

	/**
	 * A request is being processed, from its head being parsed until its response is
	 * complete, asynchronous processing included.
	 */
	ACTIVE,

	/**
	 * Kept alive between two requests.
	 */
	IDLE,

	/**
	 * Switched to another protocol (WebSocket, h2c).
	 */
	UPGRADED

}
