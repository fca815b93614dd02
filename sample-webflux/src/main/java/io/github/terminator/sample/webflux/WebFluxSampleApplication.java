package io.github.terminator.sample.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring WebFlux application that uses the terminator starter and nothing else of it:
 * stop it (Ctrl+C, {@code kill}) while an answer streams to see it finish, and the endless
 * stream end cleanly.
 */
@SpringBootApplication
public class WebFluxSampleApplication {

	/**
	 * Starts the sample application.
	 * @param args the command-line arguments, such as {@code --server.port=8081}
	 */
	public static void main(String[] args) {
		SpringApplication.run(WebFluxSampleApplication.class, args);
	}

}
