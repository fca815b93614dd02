package io.github.terminator.autoconfigure;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link SubscriptionPaths}.
 */
class SubscriptionPathsTests {

	@Test
	void whenPatternEndsInAWildcardThenItMatchesItsBaseAndBelow() {
		SubscriptionPaths paths = SubscriptionPaths.of(List.of("/events/**"));
		assertThat(paths.matches("/events")).isTrue();
		assertThat(paths.matches("/events/orders/1")).isTrue();
		assertThat(paths.matches("/eventsource")).isFalse();
		assertThat(paths.matches("/fast")).isFalse();
	}

	@Test
	void whenRequestMayMatchThenItsUriStartsWithAPatternsLiteralStartAfterTheContextPath() {
		SubscriptionPaths paths = SubscriptionPaths.of(List.of("/events/**", "/feeds/{id}"));
		assertThat(paths.mayMatch("/events", "")).isTrue();
		assertThat(paths.mayMatch("/events/orders", "")).isTrue();
		assertThat(paths.mayMatch("/feeds/42", "")).isTrue();
		assertThat(paths.mayMatch("/app/events/orders", "/app")).isTrue();
		assertThat(paths.mayMatch("/fast", "")).isFalse();
		assertThat(paths.mayMatch("/app/fast", "/app")).isFalse();
		// The context path is not the pattern's.
		assertThat(paths.mayMatch("/events/fast", "/events")).isFalse();
	}

	@Test
	void whenPatternStartsWithAWildcardThenEveryRequestMayMatch() {
		SubscriptionPaths paths = SubscriptionPaths.of(List.of("/*/events"));
		assertThat(paths.mayMatch("/fast", "")).isTrue();
		assertThat(paths.matches("/tenant/events")).isTrue();
		assertThat(paths.matches("/fast")).isFalse();
	}

	@Test
	void whenNoPatternIsDeclaredThenNothingMayMatch() {
		SubscriptionPaths paths = SubscriptionPaths.of(List.of());
		assertThat(paths.isEmpty()).isTrue();
		assertThat(paths.mayMatch("/events", "")).isFalse();
		assertThat(paths.matches("/events")).isFalse();
	}

	@Test
	void whenPatternDoesNotParseThenTheErrorNamesTheProperty() {
		assertThatExceptionOfType(InvalidTerminatorPropertyException.class)
			.isThrownBy(() -> SubscriptionPaths.of(List.of("/events/**", "/feeds/{id")))
			.withMessageContaining("terminator.subscriptions[1]");
	}

}
