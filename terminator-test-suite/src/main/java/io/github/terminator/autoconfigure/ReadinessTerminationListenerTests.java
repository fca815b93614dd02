package io.github.terminator.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.test.NoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ApplicationAvailabilityBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReadinessTerminationListener}. The server adapter, which the wiring of
 * the application's server on its line provides, is a stand-in: readiness does not
 * change with the line or the server.
 */
class ReadinessTerminationListenerTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ApplicationAvailabilityAutoConfiguration.class, TerminatorAutoConfiguration.class))
		.withBean(ServerAdapter.class, NoServer::adapter);

	@Test
	void whenTerminateIsCalledThenReadinessRefusesTrafficAndLivenessStaysCorrect() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ReadinessTerminationListener.class);
			ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
			AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
			AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
			context.getBean(Terminator.class).terminate();
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
			assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);
		});
	}

	@Test
	void whenADrainDelayIsSetThenReadinessRefusesTrafficBeforeConnectionsAreClosed() {
		this.contextRunner.withPropertyValues("terminator.drain-delay=50ms").run((context) -> {
			ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
			Terminator terminator = context.getBean(Terminator.class);
			List<Boolean> closingWhenRefused = new ArrayList<>();
			context.addApplicationListener((ApplicationEvent event) -> {
				if (event instanceof AvailabilityChangeEvent<?> change
						&& change.getState() == ReadinessState.REFUSING_TRAFFIC) {
					closingWhenRefused.add(terminator.registry().isClosingConnections());
				}
			});
			AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
			terminator.terminate();
			assertThat(closingWhenRefused).containsExactly(false);
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
		});
	}

	@ParameterizedTest
	@EnumSource(value = TerminationPhase.class, names = { "DELAYING", "DRAINING" })
	void whenTheFirstPhaseStartsThenRefusingTrafficIsPublished(TerminationPhase phase) {
		ApplicationAvailabilityBean availability = new ApplicationAvailabilityBean();
		RecordingPublisher publisher = accepting(availability);
		ReadinessTerminationListener listener = new ReadinessTerminationListener(availability, publisher);
		listener.phaseStarted(phase);
		listener.phaseStarted(TerminationPhase.DRAINING);
		assertThat(publisher.states).containsExactly(ReadinessState.REFUSING_TRAFFIC);
	}

	@Test
	void whenReadinessAlreadyRefusesTrafficThenNothingIsPublished() {
		ApplicationAvailabilityBean availability = new ApplicationAvailabilityBean();
		RecordingPublisher publisher = accepting(availability);
		AvailabilityChangeEvent.publish(publisher, this, ReadinessState.REFUSING_TRAFFIC);
		publisher.states.clear();
		ReadinessTerminationListener listener = new ReadinessTerminationListener(availability, publisher);
		listener.phaseStarted(TerminationPhase.DELAYING);
		assertThat(publisher.states).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(value = TerminationPhase.class, names = { "FORCING", "TERMINATED" })
	void whenALaterPhaseStartsThenNothingIsPublished(TerminationPhase phase) {
		ApplicationAvailabilityBean availability = new ApplicationAvailabilityBean();
		RecordingPublisher publisher = accepting(availability);
		new ReadinessTerminationListener(availability, publisher).phaseStarted(phase);
		assertThat(publisher.states).isEmpty();
	}

	@Test
	void backsOffWithoutApplicationAvailability() {
		new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(TerminatorAutoConfiguration.class))
			.withBean(ServerAdapter.class, NoServer::adapter)
			.run((context) -> assertThat(context).hasSingleBean(Terminator.class)
				.doesNotHaveBean(ReadinessTerminationListener.class));
	}

	@Test
	void backsOffWhenTerminatorIsDisabled() {
		this.contextRunner.withPropertyValues("terminator.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReadinessTerminationListener.class));
	}

	@Test
	void allowsCustomReadinessTerminationListenerToBeUsed() {
		this.contextRunner.withUserConfiguration(CustomReadinessTerminationListenerConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(ReadinessTerminationListener.class)
				.hasBean("customReadinessTerminationListener"));
	}

	/**
	 * A publisher to an availability that accepts traffic, as once the application has
	 * started, with nothing recorded yet.
	 */
	private RecordingPublisher accepting(ApplicationAvailabilityBean availability) {
		RecordingPublisher publisher = new RecordingPublisher(availability);
		AvailabilityChangeEvent.publish(publisher, this, ReadinessState.ACCEPTING_TRAFFIC);
		publisher.states.clear();
		return publisher;
	}

	/**
	 * Hands each event to the availability bean, as the application context would, and
	 * records the readiness states published.
	 */
	static final class RecordingPublisher implements ApplicationEventPublisher {

		private final ApplicationAvailabilityBean availability;

		private final List<ReadinessState> states = new ArrayList<>();

		RecordingPublisher(ApplicationAvailabilityBean availability) {
			this.availability = availability;
		}

		@Override
		public void publishEvent(Object event) {
			AvailabilityChangeEvent<?> change = (AvailabilityChangeEvent<?>) event;
			if (change.getState() instanceof ReadinessState state) {
				this.states.add(state);
			}
			this.availability.onApplicationEvent(change);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomReadinessTerminationListenerConfiguration {

		@Bean
		ReadinessTerminationListener customReadinessTerminationListener(ApplicationAvailability availability,
				ApplicationEventPublisher publisher) {
			return new ReadinessTerminationListener(availability, publisher);
		}

	}

}
