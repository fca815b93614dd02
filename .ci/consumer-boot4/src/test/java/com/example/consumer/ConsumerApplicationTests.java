package com.example.consumer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The installed starter, and only it, drains the application's server on Spring Boot 4,
 * as a client sees it: an in-flight request gets its full response with
 * {@code Connection: close}, an idle kept-alive connection is closed with a FIN, and the
 * termination is {@code TERMINATED}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "terminator.quiet-period=100ms")
class ConsumerApplicationTests {

	@LocalServerPort
	private int port;

	@Autowired
	private Terminator terminator;

	@Autowired
	private ServerAdapter adapter;

	@Test
	void drainsTheServerTheWayTheContractSays() throws Exception {
		assertThat(this.adapter.getClass().getSimpleName()).isEqualTo(System.getProperty("consumer.adapter"));
		try (Socket idle = new Socket("127.0.0.1", this.port); Socket busy = new Socket("127.0.0.1", this.port)) {
			idle.setSoTimeout(5000);
			busy.setSoTimeout(5000);
			send(idle, "/hello");
			assertThat(readResponse(idle.getInputStream())).startsWith("HTTP/1.1 200").endsWith("hello");
			send(busy, "/slow?millis=500");
			await().atMost(5, TimeUnit.SECONDS).until(() -> this.terminator.registry().requestsInFlight() == 1);
			CompletableFuture<TerminationResult> result = CompletableFuture.supplyAsync(this.terminator::terminate);
			String response = readResponse(busy.getInputStream());
			assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close").endsWith("slow");
			// FIN: the end of the stream, not a reset.
			assertThat(idle.getInputStream().read()).isEqualTo(-1);
			assertThat(busy.getInputStream().read()).isEqualTo(-1);
			TerminationResult terminated = result.get(5, TimeUnit.SECONDS);
			assertThat(terminated.code()).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.requestsCompleted()).isEqualTo(1);
			assertThat(terminated.connectionsClosedIdle()).isEqualTo(1);
		}
	}

	private static void send(Socket socket, String path) throws IOException {
		socket.getOutputStream()
			.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
	}

	/** Reads one response whose body has a Content-Length, as Spring MVC sends a String. */
	private static String readResponse(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("closed before the response head: " + head);
			}
			head.write(b);
		}
		String headText = head.toString(StandardCharsets.US_ASCII);
		int length = headText.lines()
			.filter((line) -> line.toLowerCase().startsWith("content-length:"))
			.map((line) -> Integer.parseInt(line.substring(15).trim()))
			.findFirst()
			.orElseThrow(() -> new IOException("no Content-Length in " + headText));
		return headText + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
	}

}
