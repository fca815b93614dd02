package io.github.terminator.autoconfigure;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.TerminationListener;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Tells the application that the drain has started, with a {@link DrainStartedEvent}.
 */
final class DrainStartedEventPublisher implements TerminationListener {

	private final ApplicationEventPublisher publisher;

	private final ConnectionRegistry registry;

	DrainStartedEventPublisher(ApplicationEventPublisher publisher, ConnectionRegistry registry) {
		this.publisher = publisher;
		this.registry = registry;
	}

	@Override
	public void drainStarted() {
		this.publisher.publishEvent(new DrainStartedEvent(this.registry));
	}

}
