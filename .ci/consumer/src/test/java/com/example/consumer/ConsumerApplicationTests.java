package com.example.consumer;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.Terminator;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The installed starter, and only it, drains the application's server.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class ConsumerApplicationTests {

	@Autowired
	private TestRestTemplate rest;

	@Autowired
	private Terminator terminator;

	@Test
	void servesThenTerminatesGracefully() {
		assertThat(this.rest.getForObject("/hello", String.class)).isEqualTo("hello");
		assertThat(this.terminator.terminate().code()).isEqualTo(TerminationCode.TERMINATED);
	}

}
