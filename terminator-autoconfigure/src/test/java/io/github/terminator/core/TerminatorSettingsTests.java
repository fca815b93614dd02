package io.github.terminator.core;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link TerminatorSettings}.
 */
class TerminatorSettingsTests {

	private static final Duration ONE_SECOND = Duration.ofSeconds(1);

	private static final Duration MINUS_ONE_SECOND = Duration.ofSeconds(-1);

	@Test
	void acceptsDefaults() {
		TerminatorSettings settings = new TerminatorSettings(Duration.ZERO, Duration.ofSeconds(10),
				Duration.ofSeconds(30));
		assertThat(settings.drainDelay()).isZero();
		assertThat(settings.gracefulTimeout()).hasSeconds(10);
		assertThat(settings.maxWait()).hasSeconds(30);
	}

	@Test
	void acceptsZeroDurations() {
		assertThat(new TerminatorSettings(Duration.ZERO, Duration.ZERO, Duration.ZERO).maxWait()).isZero();
	}

	@Test
	void acceptsMaxWaitEqualToDrainDelayPlusGracefulTimeout() {
		assertThat(new TerminatorSettings(ONE_SECOND, ONE_SECOND, Duration.ofSeconds(2)).maxWait()).hasSeconds(2);
	}

	@Test
	void rejectsNegativeDrainDelay() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TerminatorSettings(MINUS_ONE_SECOND, ONE_SECOND, ONE_SECOND))
			.withMessageContaining("negative");
	}

	@Test
	void rejectsNegativeGracefulTimeout() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TerminatorSettings(ONE_SECOND, MINUS_ONE_SECOND, ONE_SECOND))
			.withMessageContaining("negative");
	}

	@Test
	void rejectsNegativeMaxWait() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TerminatorSettings(Duration.ZERO, Duration.ZERO, MINUS_ONE_SECOND))
			.withMessageContaining("negative");
	}

	@Test
	void rejectsMaxWaitShorterThanDrainDelayPlusGracefulTimeout() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TerminatorSettings(ONE_SECOND, ONE_SECOND, Duration.ofMillis(1999)))
			.withMessageContaining("maxWait PT1.999S")
			.withMessageContaining("drainDelay PT1S")
			.withMessageContaining("gracefulTimeout PT1S");
	}

	@Test
	void rejectsMissingDuration() {
		assertThatNullPointerException().isThrownBy(() -> new TerminatorSettings(null, ONE_SECOND, ONE_SECOND))
			.withMessage("drainDelay");
	}

}
