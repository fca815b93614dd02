package io.github.terminator.autoconfigure;

import java.util.List;

import io.github.terminator.core.ConnectionRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the WebFlux stream-tracking filter costs a request beyond its own work.
 */
class WebFluxStreamTrackingTests {

	/**
	 * Spring Framework 7's filter chain names each filter's checkpoint with the filter's
	 * {@code toString()} at every request: a name built at each call was 400 of the bytes
	 * the filter added to a request (JMH, {@code WebFluxPathBenchmark -prof gc}).
	 */
	@Test
	void namesItselfWithoutBuildingANameAtEachRequest() {
		WebFluxStreamTracking filter = new WebFluxStreamTracking(new ConnectionRegistry().streams(),
				SubscriptionPaths.of(List.of()));
		assertThat(filter.toString()).isSameAs(filter.toString()).contains("terminator");
	}

}
