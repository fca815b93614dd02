package io.github.terminator.autoconfigure;

import io.github.terminator.core.ConnectionRegistry;

import org.springframework.context.ApplicationEvent;

/**
 * Published when the drain starts: the web server's listener is closed, and every response
 * not yet committed says {@code Connection: close}. Listen to it to end what the
 * application keeps open (server-sent events, long polls, streamed responses), so that
 * its clients reconnect to another instance now rather than be cut at the graceful
 * timeout. terminator itself completes the application's {@code SseEmitter}s and
 * {@code ResponseBodyEmitter}s then, unless {@code terminator.complete-emitters} is
 * {@code false}.
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
