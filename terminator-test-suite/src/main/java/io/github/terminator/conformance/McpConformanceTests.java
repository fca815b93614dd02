package io.github.terminator.conformance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RawConnection.RawResponse;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring AI's MCP server on Spring MVC, without any declaration: the session streams are
 * subscriptions, ended cleanly when the drain starts, while a tool call in flight gets its
 * result, on both of its transports, as the MCP Java SDK's client sees them.
 */
class McpConformanceTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** How long the tool call runs: across the start of the drain. */
	private static final long TOOL_MILLIS = 1000;

	static Stream<Arguments> transports() {
		return ServerSetup.plain().flatMap((setup) -> Stream.of("SSE", "STREAMABLE").map((protocol) -> Arguments.of(protocol, setup)));
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("transports")
	void whenTheApplicationStopsThenSessionStreamsEndCleanlyAndAToolCallInFlightGetsItsResult(String protocol,
			ServerSetup setup) throws Exception {
		try (RunningServer server = RunningServer.start(setup, RunningServer.SHORT_QUIET_PERIOD,
				"spring.ai.mcp.server.enabled=true", "spring.ai.mcp.server.protocol=" + protocol,
				"terminator.max-wait=20s")) {
			McpSyncClient client = McpClient.sync(transport(protocol, server.port()))
				.requestTimeout(WAIT)
				.clientInfo(new McpSchema.Implementation("terminator-tests", "1.0"))
				.build();
			client.initialize();
			// A session stream read on a socket of the test's own, to see how it ends.
			RawConnection stream = openSessionStream(protocol, server);
			CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(() -> client
				.callTool(new McpSchema.CallToolRequest("slowEcho", Map.of("text", "answered", "millis", TOOL_MILLIS))),
					RunningServer.OWN_THREAD);
			// The client's session stream, the test's, and the tool call.
			server.awaitRequestsInFlight(3);
			Terminator terminator = server.terminator();
			long start = System.nanoTime();
			CompletableFuture<Void> closed = server.closeAsync();
			RawResponse head = stream.readHead(WAIT);
			RawResponse ended = stream.readBody(head);
			assertThat(ended.status()).isEqualTo(200);
			assertThat(elapsedMillis(start)).as("session stream ended after the drain started").isLessThan(
					TOOL_MILLIS + 1000);
			McpSchema.CallToolResult result = call.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
			assertThat(result.content()).singleElement()
				.satisfies((content) -> assertThat(((McpSchema.TextContent) content).text()).contains("answered"));
			closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			// Far less than the graceful timeout of 10 s that a session stream left open waits out.
			assertThat(elapsedMillis(start)).as("application closed").isLessThan(TOOL_MILLIS + 3000);
			TerminationResult terminated = terminator.lastResult();
			assertThat(terminated.code()).as("%s", terminated).isEqualTo(TerminationCode.TERMINATED);
			assertThat(terminated.subscriptionsEnded()).isEqualTo(2);
			assertThat(terminated.streamsCut()).isZero();
			stream.close();
			client.close();
		}
	}

	private static McpClientTransport transport(String protocol, int port) {
		String base = "http://localhost:" + port;
		return "SSE".equals(protocol) ? HttpClientSseClientTransport.builder(base).sseEndpoint("/sse").build()
				: HttpClientStreamableHttpTransport.builder(base).endpoint("/mcp").build();
	}

	/**
	 * Opens a session and its stream, as an MCP client does: {@code GET /sse} (its first
	 * event names the session's message endpoint), or an {@code initialize} then a
	 * {@code GET /mcp} with the session's id (not committed until its first event).
	 * @return the connection the stream is read on, its head read for SSE
	 */
	private static RawConnection openSessionStream(String protocol, RunningServer server) throws Exception {
		RawConnection connection = server.connect();
		if ("SSE".equals(protocol)) {
			connection.send("GET /sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n");
			return connection;
		}
		String initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
				+ "\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
		RawResponse initialized = post(connection, initialize, null);
		assertThat(initialized.status()).isEqualTo(200);
		String session = initialized.header("mcp-session-id");
		assertThat(session).isNotNull();
		assertThat(post(connection, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", session).status())
			.isEqualTo(202);
		connection.send("GET /mcp HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nMcp-Session-Id: " + session
				+ "\r\n\r\n");
		return connection;
	}

	private static RawResponse post(RawConnection connection, String json, String session) throws Exception {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		connection.send("POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
				+ "Accept: application/json, text/event-stream\r\n"
				+ ((session != null) ? "Mcp-Session-Id: " + session + "\r\n" : "") + "Content-Length: " + body.length
				+ "\r\n\r\n" + json);
		return connection.readResponse(WAIT);
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

}
