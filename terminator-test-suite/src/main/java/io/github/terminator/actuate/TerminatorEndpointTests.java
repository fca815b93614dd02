package io.github.terminator.actuate;

import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.github.terminator.actuate.TerminatorEndpoint.ConnectionDescriptor;
import io.github.terminator.actuate.TerminatorEndpoint.TerminatorDescriptor;
import io.github.terminator.core.ActiveRequest;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.ConnectionState;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.TerminatorSettings;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.test.StubConnection;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TerminatorEndpoint}.
 */
class TerminatorEndpointTests {

	private static final SecurityContext ANONYMOUS = SecurityContext.NONE;

	private static final SecurityContext OPERATOR = user("operator", "OPS");

	private final ConnectionRegistry registry = new ConnectionRegistry();

	private final Terminator terminator = new Terminator(this.registry, () -> {
	}, new TerminatorSettings(Duration.ZERO, Duration.ofMillis(1500), Duration.ofSeconds(30)), List.of());

	@Test
	void whileServingDescribesPhaseConfigurationAndConnectionsByState() {
		ConnectionEvents active = StubConnection.open(this.registry);
		active.onRequestStarted("POST", "/orders");
		StubConnection.open(this.registry);
		TerminatorDescriptor descriptor = endpoint(Show.NEVER).terminator(ANONYMOUS);
		assertThat(descriptor.phase()).isEqualTo(TerminationPhase.SERVING);
		assertThat(descriptor.configuration().drainDelay()).isEqualTo("PT0S");
		assertThat(descriptor.configuration().gracefulTimeout()).isEqualTo("PT1.5S");
		assertThat(descriptor.configuration().maxWait()).isEqualTo("PT30S");
		assertThat(descriptor.configuration().quietPeriod()).isEqualTo("PT2.5S");
		assertThat(descriptor.connectionsByState()).containsEntry(ConnectionState.NEW, 1)
			.containsEntry(ConnectionState.ACTIVE, 1)
			.containsEntry(ConnectionState.IDLE, 0)
			.containsEntry(ConnectionState.UPGRADED, 0);
		assertThat(descriptor.requestsInFlight()).isEqualTo(1);
		assertThat(descriptor.streamsInFlight()).isZero();
		assertThat(descriptor.lastResult()).isNull();
	}

	@Test
	void whileServingCountsTheStreamsAndTheSubscriptionsAmongThem() {
		this.registry.streams().open(false, null);
		this.registry.streams().open(true, null);
		TerminatorDescriptor descriptor = endpoint(Show.NEVER).terminator(ANONYMOUS);
		assertThat(descriptor.streamsInFlight()).isEqualTo(2);
		assertThat(descriptor.subscriptionsInFlight()).isEqualTo(1);
	}

	@Test
	void afterTerminationDescribesTheResult() {
		StubConnection.open(this.registry);
		this.terminator.terminate();
		TerminatorDescriptor descriptor = endpoint(Show.NEVER).terminator(ANONYMOUS);
		assertThat(descriptor.phase()).isEqualTo(TerminationPhase.TERMINATED);
		assertThat(descriptor.lastResult().code()).isEqualTo(TerminationCode.TERMINATED);
		assertThat(descriptor.lastResult().success()).isTrue();
		assertThat(descriptor.lastResult().message()).isNotBlank();
		assertThat(descriptor.lastResult().connectionsClosedIdle()).isEqualTo(1);
		assertThat(descriptor.lastResult().duration()).startsWith("PT").endsWith("S");
		assertThat(descriptor.lastResult().startedAt()).endsWith("Z");
	}

	@Test
	void connectionsAreNeverShownByDefaultNorWithNever() {
		StubConnection.open(this.registry);
		assertThat(endpoint(Show.NEVER).terminator(ANONYMOUS).connections()).isNull();
		assertThat(endpoint(Show.NEVER).terminator(OPERATOR).connections()).isNull();
	}

	@Test
	void connectionsAreShownToAnyoneWithAlways() {
		StubConnection.open(this.registry);
		assertThat(endpoint(Show.ALWAYS).terminator(ANONYMOUS).connections()).hasSize(1);
	}

	@Test
	void connectionsAreShownWhenAuthorizedOnlyToAnAuthenticatedUserWithARequiredRole() {
		StubConnection.open(this.registry);
		assertThat(endpoint(Show.WHEN_AUTHORIZED).terminator(ANONYMOUS).connections()).isNull();
		assertThat(endpoint(Show.WHEN_AUTHORIZED).terminator(OPERATOR).connections()).hasSize(1);
		assertThat(endpoint(Show.WHEN_AUTHORIZED, "OPS").terminator(OPERATOR).connections()).hasSize(1);
		assertThat(endpoint(Show.WHEN_AUTHORIZED, "ADMIN").terminator(OPERATOR).connections()).isNull();
	}

	@Test
	void activeConnectionShowsItsRequestWithoutQueryString() {
		ConnectionEvents idle = StubConnection.open(this.registry);
		idle.onRequestStarted("GET", "/first");
		idle.onRequestCompleted();
		ConnectionEvents active = StubConnection.open(this.registry);
		active.onRequestStarted("GET", "/slow?millis=100&secret=x");
		TerminatorDescriptor descriptor = endpoint(Show.ALWAYS).terminator(ANONYMOUS);
		assertThat(descriptor.connections()).hasSize(2);
		ConnectionDescriptor first = descriptor.connections().iterator().next();
		assertThat(first.id()).isEqualTo(this.registry.connections().get(0).id());
		assertThat(first.remoteAddress()).isEqualTo(StubConnection.REMOTE_ADDRESS);
		assertThat(first.localPort()).isEqualTo(StubConnection.LOCAL_PORT);
		assertThat(first.state()).isEqualTo(ConnectionState.IDLE);
		assertThat(first.requestsServed()).isEqualTo(1);
		assertThat(first.request()).isNull();
		ConnectionDescriptor second = descriptor.connections().stream().skip(1).findFirst().orElseThrow();
		assertThat(second.state()).isEqualTo(ConnectionState.ACTIVE);
		assertThat(second.request().method()).isEqualTo("GET");
		assertThat(second.request().path()).isEqualTo("/slow");
		assertThat(second.request().elapsed()).startsWith("PT");
		assertThat(descriptor.toString()).doesNotContain("secret");
	}

	@Test
	void requestPathIsStrippedEvenWhenGivenWithAQueryString() {
		ActiveRequest request = new ActiveRequest("GET", "/a?secret=x", Instant.now(), System.nanoTime());
		assertThat(TerminatorEndpoint.RequestDescriptor.of(request).path()).isEqualTo("/a");
	}

	private TerminatorEndpoint endpoint(Show show, String... roles) {
		return new TerminatorEndpoint(this.terminator, show, Set.of(roles));
	}

	private static SecurityContext user(String name, String role) {
		Principal principal = () -> name;
		return new SecurityContext() {

			@Override
			public Principal getPrincipal() {
				return principal;
			}

			@Override
			public boolean isUserInRole(String candidate) {
				return role.equals(candidate);
			}

		};
	}

}
