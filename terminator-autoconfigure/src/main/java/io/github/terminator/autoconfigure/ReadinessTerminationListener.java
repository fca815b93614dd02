package io.github.terminator.autoconfigure;

import io.github.terminator.core.TerminationListener;
import io.github.terminator.core.TerminationPhase;

import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Turns readiness to {@link ReadinessState#REFUSING_TRAFFIC REFUSING_TRAFFIC} when a
 * termination starts, so that the readiness probe fails for the whole drain delay.
 * <p>
 * When the application context closes, Spring Boot has already done so; this matters
 * when {@code Terminator.terminate()} is called directly, which nothing else announces.
 */
public class ReadinessTerminationListener implements TerminationListener {

	private final ApplicationAvailability availability;

	private final ApplicationEventPublisher publisher;

	/**
	 * Creates a listener that publishes readiness changes.
	 * @param availability where the current readiness is read
	 * @param publisher where the change is published
	 */
	public ReadinessTerminationListener(ApplicationAvailability availability, ApplicationEventPublisher publisher) {
		this.availability = availability;
		this.publisher = publisher;
	}

	@Override
	public void phaseStarted(TerminationPhase phase) {
		if ((phase == TerminationPhase.DELAYING || phase == TerminationPhase.DRAINING)
				&& this.availability.getReadinessState() != ReadinessState.REFUSING_TRAFFIC) {
			AvailabilityChangeEvent.publish(this.publisher, this, ReadinessState.REFUSING_TRAFFIC);
		}
	}

}
