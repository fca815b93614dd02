package io.github.terminator.sample;

import io.github.terminator.core.Terminator;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application starts on a real server, with terminator, and its endpoints
 * answer.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleApplicationTests {

	@LocalServerPort
	private int port;

	@Autowired
	private ApplicationContext context;

	@Test
	void runsWithTerminator() {
		assertThat(this.context.getBeanProvider(Terminator.class).getIfAvailable()).isNotNull();
	}

	@Test
	void fastAnswersAtOnce() {
		assertOk(get("/fast"), "fast");
	}

	@Test
	void slowAnswersAfterTheGivenTime() {
		long start = System.nanoTime();
		assertOk(get("/slow?millis=200"), "slow 200");
		assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
	}

	@Test
	void streamSendsEachChunk() {
		assertOk(get("/stream?chunks=3&intervalMillis=10"),
				"chunk 1\nchunk 2\nchunk 3\n");
	}

	private ResponseEntity<String> get(String path) {
		// RestClient rather than TestRestTemplate, which has moved in Spring Boot 4: the
		// same test runs on both lines.
		return RestClient.create("http://localhost:" + this.port).get().uri(path).retrieve().toEntity(String.class);
	}

	private static void assertOk(ResponseEntity<String> response, String body) {
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(response.getBody()).isEqualTo(body);
	}

}
