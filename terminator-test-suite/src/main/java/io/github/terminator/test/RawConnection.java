package io.github.terminator.test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A client connection over a plain socket, or TLS, that sends raw bytes and reports
 * exactly what the server did: the response bytes, and whether the connection ended with a
 * FIN or a reset.
 */
public final class RawConnection implements AutoCloseable {

	private static final SecureRandom RANDOM = new SecureRandom();

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private boolean endedByServer;

	private long bytesReceived;

	private RawConnection(Socket socket) throws IOException {
		this.socket = socket;
		// Buffered: the response is read a line at a time, and a read per byte is a system
		// call per byte.
		this.in = new FilterInputStream(new BufferedInputStream(socket.getInputStream())) {

			@Override
			public int read() throws IOException {
				int b = super.read();
				if (b != -1) {
					RawConnection.this.bytesReceived++;
				}
				return b;
			}

			@Override
			public int read(byte[] buffer, int offset, int length) throws IOException {
				int read = super.read(buffer, offset, length);
				if (read > 0) {
					RawConnection.this.bytesReceived += read;
				}
				return read;
			}

		};
		this.out = socket.getOutputStream();
	}

	/**
	 * Opens a connection to {@code localhost}; with TLS, completes the handshake.
	 */
	public static RawConnection open(int port, boolean tls) throws IOException {
		Socket socket = new Socket();
		socket.setTcpNoDelay(true);
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		if (tls) {
			SSLSocket ssl = (SSLSocket) trustAll().getSocketFactory().createSocket(socket, "localhost", port, true);
			ssl.setSoTimeout(10_000);
			ssl.startHandshake();
			socket = ssl;
		}
		return new RawConnection(socket);
	}

	/**
	 * Completes a TLS handshake on a socket connected earlier, as a client whose handshake
	 * comes late.
	 */
	public static RawConnection startTls(Socket socket, int port) throws IOException {
		SSLSocket ssl = (SSLSocket) trustAll().getSocketFactory().createSocket(socket, "localhost", port, true);
		ssl.setSoTimeout(10_000);
		ssl.startHandshake();
		return new RawConnection(ssl);
	}

	/**
	 * The client's end of the connection, as the server sees it as remote address.
	 */
	public InetSocketAddress localAddress() {
		return (InetSocketAddress) this.socket.getLocalSocketAddress();
	}

	/**
	 * How many bytes the server has sent on this connection so far, as read by the
	 * client: zero tells that a request on it got no response byte at all.
	 */
	public long bytesReceived() {
		return this.bytesReceived;
	}

	/**
	 * Half-closes the connection, as a client that has nothing more to send.
	 */
	public void shutdownOutput() throws IOException {
		this.socket.shutdownOutput();
	}

	/**
	 * A TLS context that trusts the tests' self-signed certificate.
	 */
	public static SSLContext trustAll() {
		try {
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(null, new TrustManager[] { new X509TrustManager() {
				@Override
				public void checkClientTrusted(X509Certificate[] chain, String authType) {
				}

				@Override
				public void checkServerTrusted(X509Certificate[] chain, String authType) {
				}

				@Override
				public X509Certificate[] getAcceptedIssuers() {
					return new X509Certificate[0];
				}
			} }, new SecureRandom());
			return context;
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	public RawConnection send(String text) throws IOException {
		this.out.write(text.getBytes(StandardCharsets.ISO_8859_1));
		this.out.flush();
		return this;
	}

	/**
	 * Sends a keep-alive GET.
	 */
	public RawConnection get(String target) throws IOException {
		return send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
	}

	/**
	 * Opens a WebSocket on this connection, as RFC 6455 §4.1 describes.
	 * @param target the path of the WebSocket endpoint
	 * @return the server's answer, {@code 101} when the connection switched
	 */
	public RawResponse upgradeToWebSocket(String target) throws IOException {
		byte[] nonce = new byte[16];
		RANDOM.nextBytes(nonce);
		return send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				+ "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
				+ "Sec-WebSocket-Version: 13\r\n\r\n")
			.readHead(Duration.ofSeconds(10));
	}

	/**
	 * Sends one final WebSocket frame, masked as a client must.
	 * @param opcode {@link WebSocketFrame#TEXT}, {@link WebSocketFrame#CLOSE}, …
	 * @param payload at most 125 bytes
	 */
	public RawConnection sendFrame(int opcode, byte[] payload) throws IOException {
		byte[] mask = new byte[4];
		RANDOM.nextBytes(mask);
		ByteArrayOutputStream frame = new ByteArrayOutputStream();
		frame.write(0x80 | opcode);
		frame.write(0x80 | payload.length);
		frame.write(mask);
		for (int i = 0; i < payload.length; i++) {
			frame.write(payload[i] ^ mask[i % 4]);
		}
		this.out.write(frame.toByteArray());
		this.out.flush();
		return this;
	}

	/**
	 * Reads one WebSocket frame from the server.
	 * @throws IOException if the connection ended before a complete frame
	 */
	public WebSocketFrame readFrame(Duration timeout) throws IOException {
		this.socket.setSoTimeout((int) timeout.toMillis());
		byte[] head = readExactly(2);
		long length = head[1] & 0x7F;
		if (length == 126) {
			byte[] extended = readExactly(2);
			length = ((extended[0] & 0xFF) << 8) | (extended[1] & 0xFF);
		}
		else if (length == 127) {
			length = 0;
			for (byte b : readExactly(8)) {
				length = (length << 8) | (b & 0xFF);
			}
		}
		return new WebSocketFrame(head[0] & 0x0F, readExactly(Math.toIntExact(length)));
	}

	/**
	 * Reads one complete response: its head, then its body delimited by Content-Length,
	 * chunks, or the end of the connection.
	 * @throws IOException if the connection ended before a complete response
	 */
	public RawResponse readResponse(Duration timeout) throws IOException {
		return readBody(readHead(timeout));
	}

	/**
	 * Reads the status line and headers of a response.
	 * @throws IOException if the connection ended before a complete head
	 */
	public RawResponse readHead(Duration timeout) throws IOException {
		this.socket.setSoTimeout((int) timeout.toMillis());
		String statusLine = readLine();
		if (statusLine == null) {
			throw new ClosedBeforeResponseException("connection closed before any response byte");
		}
		int status = Integer.parseInt(statusLine.split(" ")[1]);
		Map<String, String> headers = new LinkedHashMap<>();
		String line;
		while ((line = readLine()) != null && !line.isEmpty()) {
			int colon = line.indexOf(':');
			headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
					(a, b) -> a + ", " + b);
		}
		if (line == null) {
			throw new IOException("connection closed in the response head");
		}
		return new RawResponse(status, headers, null);
	}

	/**
	 * Reads the body of a response whose head was read with {@link #readHead}.
	 * @throws IOException if the connection ended before the end of the body
	 */
	public RawResponse readBody(RawResponse head) throws IOException {
		String body;
		if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
			ByteArrayOutputStream bodyBytes = new ByteArrayOutputStream();
			while (true) {
				String size = readLine();
				if (size == null) {
					throw new IOException("connection closed in a chunked body");
				}
				int length = Integer.parseInt(size.split(";")[0].trim(), 16);
				if (length == 0) {
					String line;
					while ((line = readLine()) != null && !line.isEmpty()) {
						// trailers
					}
					break;
				}
				bodyBytes.write(readExactly(length));
				readLine();
			}
			body = bodyBytes.toString(StandardCharsets.UTF_8);
		}
		else if (head.header("content-length") != null) {
			body = new String(readExactly(Integer.parseInt(head.header("content-length"))), StandardCharsets.UTF_8);
		}
		else if (head.status() == 204 || head.status() == 304) {
			body = "";
		}
		else {
			// Delimited by the end of the connection (a response with Connection: close).
			body = new String(this.in.readAllBytes(), StandardCharsets.UTF_8);
			this.endedByServer = true;
		}
		return new RawResponse(head.status(), head.headers(), body);
	}

	/**
	 * Waits for the server to end the connection.
	 * @return how it ended, or {@link Close#OPEN} if it is still open after the timeout
	 */
	public Close awaitClose(Duration timeout) throws IOException {
		if (this.endedByServer) {
			return Close.FIN;
		}
		this.socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
		try {
			int read = this.in.read();
			if (read == -1) {
				return Close.FIN;
			}
			throw new IOException("unexpected byte from the server: " + read);
		}
		catch (SocketTimeoutException ex) {
			return Close.OPEN;
		}
		catch (SSLException ex) {
			return (ex.getMessage() != null && ex.getMessage().contains("reset")) ? Close.RESET : Close.FIN;
		}
		catch (SocketException ex) {
			return Close.RESET;
		}
	}

	@Override
	public void close() {
		try {
			this.socket.close();
		}
		catch (IOException ex) {
			// nothing to do
		}
	}

	private String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		while (true) {
			int b = this.in.read();
			if (b == -1) {
				return (line.size() == 0) ? null : line.toString(StandardCharsets.ISO_8859_1);
			}
			if (b == '\n') {
				String text = line.toString(StandardCharsets.ISO_8859_1);
				return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
			}
			line.write(b);
		}
	}

	private byte[] readExactly(int length) throws IOException {
		byte[] bytes = this.in.readNBytes(length);
		if (bytes.length < length) {
			throw new IOException("connection closed in the body after " + bytes.length + " of " + length + " bytes");
		}
		return bytes;
	}

	/**
	 * One WebSocket frame.
	 *
	 * @param opcode the frame's opcode
	 * @param payload its unmasked payload
	 */
	public record WebSocketFrame(int opcode, byte[] payload) {

		/** The opcode of a text frame. */
		public static final int TEXT = 0x1;

		/** The opcode of a close frame. */
		public static final int CLOSE = 0x8;

		/**
		 * The status code of a close frame.
		 * @return the code, or {@code -1} when the frame is not a close frame or has none
		 */
		public int closeCode() {
			return (this.opcode == CLOSE && this.payload.length >= 2)
					? ((this.payload[0] & 0xFF) << 8) | (this.payload[1] & 0xFF) : -1;
		}

		/**
		 * The payload as UTF-8 text.
		 * @return the text
		 */
		public String text() {
			return new String(this.payload, StandardCharsets.UTF_8);
		}

	}

	/**
	 * How the server ended a connection.
	 */
	public enum Close {

		/** An orderly close: the client read end-of-stream. */
		FIN,

		/** A reset. */
		RESET,

		/** Not ended within the wait. */
		OPEN

	}

	/**
	 * The connection ended before the first byte of a response.
	 */
	public static final class ClosedBeforeResponseException extends IOException {

		private static final long serialVersionUID = 1L;

		ClosedBeforeResponseException(String message) {
			super(message);
		}

	}

	/**
	 * A response as the client read it.
	 */
	public record RawResponse(int status, Map<String, String> headers, String body) {

		public String header(String name) {
			return this.headers.get(name.toLowerCase(Locale.ROOT));
		}

		public boolean closesConnection() {
			String connection = header("connection");
			return connection != null && connection.toLowerCase(Locale.ROOT).contains("close");
		}

	}

}
