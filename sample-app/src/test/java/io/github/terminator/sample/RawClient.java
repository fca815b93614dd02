package io.github.terminator.sample;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection over a plain socket, showing what an HTTP client library hides:
 * which connection a request goes on, its {@code Connection} header, and whether the server
 * ended the connection with a FIN or a reset.
 */
final class RawClient implements AutoCloseable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private RawClient(Socket socket) throws IOException {
		this.socket = socket;
		this.in = new BufferedInputStream(socket.getInputStream());
		this.out = socket.getOutputStream();
	}

	static RawClient connect(int port) throws IOException {
		Socket socket = new Socket();
		try {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
			return new RawClient(socket);
		}
		catch (IOException ex) {
			socket.close();
			throw ex;
		}
	}

	/**
	 * Sends a GET that asks for the connection to be kept alive, as HTTP/1.1 does by
	 * default.
	 */
	RawClient get(String target) throws IOException {
		this.out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
		this.out.flush();
		return this;
	}

	/**
	 * Reads one response whose body has a {@code Content-Length}.
	 */
	Response readResponse(Duration timeout) throws IOException {
		Response head = readHead(timeout);
		Map<String, String> headers = head.headers();
		if (headers.containsKey("transfer-encoding")) {
			throw new IOException("chunked bodies are not supported: " + headers);
		}
		byte[] body = this.in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
		return new Response(head.status(), headers, new String(body, StandardCharsets.UTF_8));
	}

	/**
	 * Reads a chunked body to its last chunk: the response is complete.
	 * @return the body
	 * @throws IOException if the connection ends before the last chunk
	 */
	String readChunkedBody() throws IOException {
		StringBuilder body = new StringBuilder();
		for (int size = Integer.parseInt(readLine().trim(), 16); size > 0; size = Integer
			.parseInt(readLine().trim(), 16)) {
			body.append(new String(this.in.readNBytes(size), StandardCharsets.UTF_8));
			readLine();
		}
		readLine();
		return body.toString();
	}

	/**
	 * Reads the status line and headers of a response, and nothing of its body.
	 */
	Response readHead(Duration timeout) throws IOException {
		this.socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
		String[] status = readLine().split(" ", 3);
		Map<String, String> headers = new HashMap<>();
		for (String line = readLine(); !line.isEmpty(); line = readLine()) {
			String[] header = line.split(":", 2);
			headers.put(header[0].trim().toLowerCase(Locale.ROOT), header[1].trim());
		}
		return new Response(Integer.parseInt(status[1]), headers, null);
	}

	/**
	 * Waits for the server to end the connection, reading nothing else from it.
	 */
	Close awaitClose(Duration timeout) throws IOException {
		this.socket.setSoTimeout(Math.toIntExact(Math.max(1, timeout.toMillis())));
		try {
			int read = this.in.read();
			if (read != -1) {
				throw new IOException("unexpected byte from the server: " + read);
			}
			return Close.FIN;
		}
		catch (SocketTimeoutException ex) {
			return Close.STILL_OPEN;
		}
		catch (SocketException ex) {
			return Close.RESET;
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	private String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		for (int b = this.in.read(); b != '\n'; b = this.in.read()) {
			if (b == -1) {
				throw new IOException("connection closed in a response head, after '" + line + "'");
			}
			if (b != '\r') {
				line.write(b);
			}
		}
		return line.toString(StandardCharsets.ISO_8859_1);
	}

	/**
	 * How the server ended a connection.
	 */
	enum Close {

		/** An orderly close: the client read the end of the stream. */
		FIN,

		/** A reset: whatever the server had not yet sent is lost. */
		RESET,

		/** Not ended within the wait. */
		STILL_OPEN

	}

	/**
	 * A response as it came over the wire.
	 */
	record Response(int status, Map<String, String> headers, String body) {

		boolean closesConnection() {
			return "close".equalsIgnoreCase(this.headers.get("connection"));
		}

	}

}
