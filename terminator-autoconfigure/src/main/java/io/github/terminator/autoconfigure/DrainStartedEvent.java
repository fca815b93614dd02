package io.github.terminator.autoconfigure;

import io.github.terminator.core.ConnectionRegistry;

import org.springframework.context.ApplicationEvent;

/**
 * Published when the drain starts: the web server's listener is closed, every response
 * not yet committed says {@code Connection: close}, and the streams declared
 * subscriptions ({@code terminator.subscriptions}, {@code @Subscription}) have been
 * ended. Listen to it to end what terminator cannot end from outside (a
 * {@code StreamingResponseBody} that is a subscription, a stream of the application's
 * own), so that its clients reconnect to another instance now rather than be cut at the
 * graceful timeout. Finite streams need nothing: they finish like any request.
 * <p>
 * Published on terminator's own thread, which waits for the listeners: a listener that
 * blocks holds the drain back, within the max-wait.
 */
public class DrainStartedEvent extends ApplicationEvent {

	/**
	 * Creates the event.
	 * @param registry the connections being drained
	 */
	public DrainStartedEvent(ConnectionRegistry registry) {
		super(registry);
	}

	/**
	 * The connections being drained.
	 * @return the registry
	 */
	public ConnectionRegistry getRegistry() {
		return (ConnectionRegistry) getSource();
	}

}
