package io.github.terminator.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;

/**
 * An HTTP client of the actuator on the management port of a {@link RunningServer} started
 * with {@code management.server.port=0}: a separate server, which stays reachable while the
 * main port drains.
 */
public final class ManagementClient {

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final int port;

	private ManagementClient(int port) {
		this.port = port;
	}

	/**
	 * A client of the management port of a running server.
	 * @throws IllegalStateException if the server has no separate management port
	 */
	public static ManagementClient of(RunningServer server) {
		Integer port = server.context().getEnvironment().getProperty("local.management.port", Integer.class);
		if (port == null || port == server.port()) {
			throw new IllegalStateException("start the server with management.server.port=0");
		}
		return new ManagementClient(port);
	}

	/**
	 * GETs a path and returns the body of a 200 response.
	 * @throws IllegalStateException on another status
	 */
	public String get(String path) {
		try {
			HttpResponse<String> response = this.http.send(HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
				.timeout(Duration.ofSeconds(10))
				.GET()
				.build(), BodyHandlers.ofString());
			if (response.statusCode() != 200) {
				throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": "
						+ response.body());
			}
			return response.body();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * GETs a path and parses its JSON body.
	 */
	public Json json(String path) {
		return Json.parse(get(path));
	}

}
