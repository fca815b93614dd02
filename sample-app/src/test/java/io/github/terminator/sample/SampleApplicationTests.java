package io.github.terminator.sample;

import io.github.terminator.core.Terminator;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application starts on a real server, with terminator, and its endpoints
 * answer.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleApplicationTests {

	@Autowired
	private TestRestTemplate rest;

	@Autowired
	private ApplicationContext context;

	@Test
	void runsWithTerminator() {
		assertThat(this.context.getBeanProvider(Terminator.class).getIfAvailable()).isNotNull();
	}

	@Test
	void fastAnswersAtOnce() {
		assertOk(this.rest.getForEntity("/fast", String.class), "fast");
	}

	@Test
	void slowAnswersAfterTheGivenTime() {
		long start = System.nanoTime();
		assertOk(this.rest.getForEntity("/slow?millis=200", String.class), "slow 200");
		assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
	}

	@Test
	void streamSendsEachChunk() {
		assertOk(this.rest.getForEntity("/stream?chunks=3&intervalMillis=10", String.class),
				"chunk 1\nchunk 2\nchunk 3\n");
	}

	private static void assertOk(ResponseEntity<String> response, String body) {
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(response.getBody()).isEqualTo(body);
	}

}
