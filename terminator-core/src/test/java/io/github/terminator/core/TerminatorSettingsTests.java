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

	@Test
	void rejectsDurationLongerThanADay() {
		Duration tooLong = TerminatorSettings.MAX_DURATION.plusNanos(1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TerminatorSettings(Duration.ZERO, Duration.ofSeconds(1), tooLong))
			.withMessageContaining("longer than");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TerminatorSettings(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2),
					Duration.ofSeconds(Long.MAX_VALUE)))
			.withMessageContaining("longer than");
	}

	@Test
	void acceptsADay() {
		Duration day = TerminatorSettings.MAX_DURATION;
		assertThat(new TerminatorSettings(day, Duration.ZERO, day, day).maxWait()).isEqualTo(day);
	}

	@Test
	void formatsEveryDurationWithoutFailing() {
		assertThat(TerminatorSettings.format(Duration.ofSeconds(10))).isEqualTo("10s");
		assertThat(TerminatorSettings.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
		assertThat(TerminatorSettings.format(Duration.ofMillis(-500))).isEqualTo("-500ms");
		assertThat(TerminatorSettings.format(Duration.ofNanos(1))).isEqualTo("PT0.000000001S");
		assertThat(TerminatorSettings.format(Duration.ofMillis(Long.MAX_VALUE))).isEqualTo("9223372036854775807ms");
		assertThat(TerminatorSettings.format(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE + "s");
		assertThat(TerminatorSettings.format(Duration.ofSeconds(Long.MAX_VALUE, 5_000_000)))
			.isEqualTo(Duration.ofSeconds(Long.MAX_VALUE, 5_000_000).toString());
	}

}
