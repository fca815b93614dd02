package io.github.terminator.test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client that speaks HTTP/2 over cleartext TCP with prior knowledge (RFC 9113 §3.3),
 * frame by frame, for tests that must see the frames themselves: GOAWAY and its last
 * stream id, the end of a stream, what comes after. It acknowledges the server's
 * SETTINGS and PING frames and hands every other frame to the test; it never decodes
 * HPACK (the server's HEADERS are seen as frames only).
 */
public final class RawHttp2Connection implements AutoCloseable {

	/** The type of a DATA frame. */
	public static final int DATA = 0x0;

	/** The type of a HEADERS frame. */
	public static final int HEADERS = 0x1;

	/** The type of a RST_STREAM frame. */
	public static final int RST_STREAM = 0x3;

	/** The type of a GOAWAY frame. */
	public static final int GOAWAY = 0x7;

	/** The END_STREAM flag of DATA and HEADERS frames. */
	public static final int END_STREAM = 0x1;

	private static final int SETTINGS = 0x4;

	private static final int PING = 0x6;

	private static final int ACK = 0x1;

	private static final int END_HEADERS = 0x4;

	private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

	private final Socket socket;

	private final DataInputStream in;

	private final OutputStream out;

	private RawHttp2Connection(Socket socket) throws IOException {
		this.socket = socket;
		this.in = new DataInputStream(socket.getInputStream());
		this.out = socket.getOutputStream();
	}

	/**
	 * Connects to {@code localhost} and sends the connection preface and empty SETTINGS.
	 */
	public static RawHttp2Connection open(int port) throws IOException {
		Socket socket = new Socket();
		socket.setTcpNoDelay(true);
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		RawHttp2Connection connection = new RawHttp2Connection(socket);
		connection.out.write(PREFACE);
		connection.writeFrame(SETTINGS, 0, 0, new byte[0]);
		return connection;
	}

	/**
	 * Opens a stream with a GET request and no body.
	 * @param streamId an odd id, higher than any this client used before
	 * @param path the request target
	 */
	public RawHttp2Connection get(int streamId, String path) throws IOException {
		ByteArrayOutputStream block = new ByteArrayOutputStream();
		// Indexed fields of the static table: :method GET (2), :scheme http (6); then
		// literals without indexing with an indexed name: :path (4), :authority (1).
		block.write(0x80 | 2);
		block.write(0x80 | 6);
		block.write(0x04);
		string(block, path);
		block.write(0x01);
		string(block, "localhost");
		writeFrame(HEADERS, END_STREAM | END_HEADERS, streamId, block.toByteArray());
		return this;
	}

	/**
	 * Reads the next frame the test has to see, answering SETTINGS and PING on the way.
	 * @return the frame, or {@code null} once the server has closed the connection with a
	 * FIN
	 * @throws SocketTimeoutException if no frame came within the timeout
	 * @throws SocketException if the connection was reset
	 */
	public Frame readFrame(Duration timeout) throws IOException {
		this.socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
		while (true) {
			int length;
			try {
				length = (this.in.readUnsignedByte() << 16) | this.in.readUnsignedShort();
			}
			catch (EOFException ex) {
				return null;
			}
			int type = this.in.readUnsignedByte();
			int flags = this.in.readUnsignedByte();
			int streamId = this.in.readInt() & 0x7FFFFFFF;
			byte[] payload = new byte[length];
			this.in.readFully(payload);
			if (type == SETTINGS && (flags & ACK) == 0) {
				writeFrame(SETTINGS, ACK, 0, new byte[0]);
			}
			else if (type == PING && (flags & ACK) == 0) {
				writeFrame(PING, ACK, 0, payload);
			}
			else if (type != SETTINGS && type != PING) {
				return new Frame(type, flags, streamId, payload);
			}
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

	private synchronized void writeFrame(int type, int flags, int streamId, byte[] payload) throws IOException {
		byte[] head = { (byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
				(byte) type, (byte) flags, (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8),
				(byte) streamId };
		this.out.write(head);
		this.out.write(payload);
		this.out.flush();
	}

	private static void string(ByteArrayOutputStream block, String text) {
		byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
		if (bytes.length >= 127) {
			throw new IllegalArgumentException("too long for this client: " + text);
		}
		block.write(bytes.length);
		block.writeBytes(bytes);
	}

	/**
	 * One frame from the server.
	 *
	 * @param type its type
	 * @param flags its flags
	 * @param streamId its stream, 0 for the connection
	 * @param payload its payload
	 */
	public record Frame(int type, int flags, int streamId, byte[] payload) {

		/**
		 * The last stream id of a GOAWAY frame.
		 * @return the id
		 */
		public int lastStreamId() {
			return ((this.payload[0] & 0x7F) << 24) | ((this.payload[1] & 0xFF) << 16)
					| ((this.payload[2] & 0xFF) << 8) | (this.payload[3] & 0xFF);
		}

		/**
		 * Whether the frame ends its stream.
		 * @return {@code true} for a DATA or HEADERS frame with END_STREAM
		 */
		public boolean endsStream() {
			return (this.type == DATA || this.type == HEADERS) && (this.flags & END_STREAM) != 0;
		}

		/**
		 * The payload as text.
		 * @return the text
		 */
		public String text() {
			return new String(this.payload, StandardCharsets.UTF_8);
		}

	}

}
