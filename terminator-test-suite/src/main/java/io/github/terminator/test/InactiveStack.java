package io.github.terminator.test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;

import io.github.terminator.core.Terminator;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs an application on a stack terminator does not drain, and checks that terminator
 * says so: one {@code WARN} at start-up, and the same from its endpoint.
 */
public final class InactiveStack {

	private InactiveStack() {
	}

	/**
	 * Starts the application, with the actuator's {@code terminator} endpoint exposed, and
	 * checks the warning and the endpoint.
	 * @param application the application's configuration
	 * @param type its kind of web application
	 * @param output what the test has written to the console
	 * @param found what the warning must say was found
	 * @throws Exception on any failure
	 */
	public static void assertWarnedAndReported(Class<?> application, WebApplicationType type, CapturedOutput output,
			String found) throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(application).web(type)
			.properties("server.port=0", "spring.main.banner-mode=off", "logging.level.root=WARN",
					"management.endpoints.web.exposure.include=terminator")
			.run()) {
			assertThat(context.getBeanProvider(Terminator.class).getIfAvailable()).isNull();
			String warning = output.getAll()
				.lines()
				.filter((line) -> line.contains("WARN") && line.contains("terminator does not drain"))
				.reduce((first, second) -> first + "\n" + second)
				.orElseThrow(() -> new AssertionError("no WARN in:\n" + output.getAll()));
			assertThat(warning.lines()).hasSize(1);
			assertThat(warning).contains(found)
				.contains("terminator drains servlet applications on Tomcat 10.1, Undertow 2.3 or Jetty 12.0 with Spring Boot 3.5, "
						+ "and on Tomcat 11 or Jetty 12 with Spring Boot 4, and WebFlux applications on Reactor Netty with either");
			String body = HttpClient.newHttpClient()
				.send(HttpRequest
					.newBuilder(URI.create(
							"http://127.0.0.1:" + RunningServer.localPort(context) + "/actuator/terminator"))
					.build(), BodyHandlers.ofString())
				.body();
			Json json = Json.parse(body);
			assertThat(json.path("active").asBoolean()).as(body).isFalse();
			assertThat(warning).endsWith(json.path("reason").asText());
		}
	}

}
