package io.github.terminator.core;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ActiveRequest}.
 */
class ActiveRequestTests {

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource({ "/orders/42, /orders/42", "/search?q=alice&token=secret, /search", "/search?, /search",
			"/page#section, /page", "/page?color=#fff, /page", "http://example.com/a?b=c, http://example.com/a",
			"'?q=1', ''" })
	void pathOfKeepsThePathAloneWithoutQueryStringNorFragment(String target, String path) {
		assertThat(ActiveRequest.pathOf(target)).isEqualTo(path);
	}

	@Test
	void pathOfNullIsEmpty() {
		assertThat(ActiveRequest.pathOf(null)).isEmpty();
	}

	@Test
	void neverReportsAQueryStringWhoeverCreatesIt() {
		ActiveRequest request = new ActiveRequest("GET", "/search?q=alice&token=secret", Instant.now(), 0);
		assertThat(request.toString()).doesNotContain("alice", "secret");
		assertThat(request.path()).isEqualTo("/search");
		assertThat(request).isEqualTo(new ActiveRequest("GET", "/search", Instant.now(), 0));
	}

	@Test
	void elapsedIsMeasuredFromStart() {
		long startNanos = System.nanoTime() - 5_000_000_000L;
		ActiveRequest request = new ActiveRequest("GET", "/", Instant.now(), startNanos);
		assertThat(request.elapsed().toMillis()).isBetween(5_000L, 6_000L);
	}

	@Test
	void startedAtIsWorkedOutFromTheMonotonicClockOnceAskedAndKept() {
		Instant before = Instant.now();
		ActiveRequest request = new ActiveRequest("GET", "/", System.nanoTime() - 5_000_000_000L);
		Instant startedAt = request.startedAt();
		assertThat(startedAt).isBetween(before.minusSeconds(6), Instant.now().minusSeconds(4));
		assertThat(request.startedAt()).isSameAs(startedAt);
	}

	@Test
	void startedAtGivenIsKept() {
		Instant startedAt = Instant.parse("2026-12-06T10:15:30Z");
		assertThat(new ActiveRequest("GET", "/", startedAt, System.nanoTime()).startedAt()).isEqualTo(startedAt);
	}

}
