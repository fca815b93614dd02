import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client side of benchmarks/drain-latency.sh: puts connections in a given state on
 * an application, stops the application with SIGTERM, and times what each connection
 * sees from that instant, and the process's exit.
 *
 * <pre>
 * java DrainClient.java PID PORT idle N
 *     N connections, each kept alive after one GET /fast, quiet for 200 ms: prints the
 *     time from SIGTERM until the last of them saw its FIN, and until the process exited.
 * java DrainClient.java PID PORT hold N
 *     N connections, each kept alive after one GET /fast; prints "ready" and holds them
 *     open until its standard input closes (for benchmarks/memory.sh).
 * java DrainClient.java PID PORT inflight N MILLIS REMAINING
 *     N connections, each with a GET /slow?millis=MILLIS in flight, SIGTERM when
 *     REMAINING ms of it are left: prints the time from SIGTERM until the last response
 *     was complete and its connection closed, and until the process exited, each minus
 *     the remaining time.
 * </pre>
 *
 * One line of output: {@code fin_ms exit_ms resets unanswered}, where fin_ms is the time
 * until the last FIN (in-flight mode: minus the remaining time) and resets and unanswered
 * count the connections that ended with a reset, or without their response.
 */
public class DrainClient {

	public static void main(String[] args) throws Exception {
		long pid = Long.parseLong(args[0]);
		int port = Integer.parseInt(args[1]);
		String mode = args[2];
		int count = Integer.parseInt(args[3]);
		ProcessHandle app = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
		Selector selector = Selector.open();
		List<Connection> connections = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
			channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
			connections.add(new Connection(channel));
		}
		long remainingNanos = 0;
		if (mode.equals("hold")) {
			for (Connection connection : connections) {
				connection.send("GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n");
				connection.awaitResponse();
			}
			System.out.println("ready");
			System.out.flush();
			System.in.read();
			return;
		}
		if (mode.equals("idle")) {
			for (Connection connection : connections) {
				connection.send("GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n");
			}
			for (Connection connection : connections) {
				connection.awaitResponse();
			}
			// Past the quiet window: every connection is idle for the drain.
			Thread.sleep(200);
		}
		else if (mode.equals("inflight")) {
			long millis = Long.parseLong(args[4]);
			long remaining = Long.parseLong(args[5]);
			long sent = System.nanoTime();
			for (Connection connection : connections) {
				connection.send("GET /slow?millis=" + millis + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
			}
			long stopAt = sent + TimeUnit.MILLISECONDS.toNanos(millis - remaining);
			while (System.nanoTime() < stopAt) {
				Thread.sleep(1);
			}
			remainingNanos = sent + TimeUnit.MILLISECONDS.toNanos(millis) - System.nanoTime();
		}
		else {
			throw new IllegalArgumentException("mode: idle or inflight, not " + mode);
		}
		for (Connection connection : connections) {
			connection.channel.configureBlocking(false);
			connection.channel.register(selector, SelectionKey.OP_READ, connection);
		}
		long start = System.nanoTime();
		var exited = app.onExit();
		if (!app.destroy()) {
			throw new IllegalStateException("could not send SIGTERM to " + pid);
		}
		int open = connections.size();
		long lastEnd = start;
		long deadline = start + TimeUnit.SECONDS.toNanos(120);
		ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
		while (open > 0 && System.nanoTime() < deadline) {
			selector.select(100);
			Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
			while (keys.hasNext()) {
				SelectionKey key = keys.next();
				keys.remove();
				Connection connection = (Connection) key.attachment();
				buffer.clear();
				int read;
				try {
					read = connection.channel.read(buffer);
				}
				catch (SocketException ex) {
					connection.reset = true;
					read = -1;
				}
				if (read > 0) {
					connection.received += read;
				}
				else if (read < 0) {
					key.cancel();
					connection.channel.close();
					lastEnd = System.nanoTime();
					open--;
				}
			}
		}
		exited.get(120, TimeUnit.SECONDS);
		long exit = System.nanoTime();
		int resets = 0;
		int unanswered = 0;
		for (Connection connection : connections) {
			resets += connection.reset ? 1 : 0;
			unanswered += (mode.equals("inflight") && connection.received == 0) ? 1 : 0;
		}
		System.out.printf("%.1f %.1f %d %d %d%n", (lastEnd - start - remainingNanos) / 1e6,
				(exit - start - remainingNanos) / 1e6, resets, unanswered, open);
	}

	static final class Connection {

		final SocketChannel channel;

		long received;

		boolean reset;

		Connection(SocketChannel channel) {
			this.channel = channel;
		}

		void send(String request) throws IOException {
			ByteBuffer bytes = ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1));
			while (bytes.hasRemaining()) {
				this.channel.write(bytes);
			}
		}

		/** Reads one short response whose end is its Content-Length body (GET /fast). */
		void awaitResponse() throws IOException {
			ByteBuffer buffer = ByteBuffer.allocate(4096);
			StringBuilder text = new StringBuilder();
			while (true) {
				if (this.channel.read(buffer) < 0) {
					throw new IOException("closed before the response");
				}
				text.append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1));
				buffer.clear();
				int head = text.indexOf("\r\n\r\n");
				if (head >= 0) {
					int length = Integer.parseInt(text.substring(text.indexOf("Content-Length: ") + 16).split("\r\n")[0]);
					if (text.length() >= head + 4 + length) {
						return;
					}
				}
			}
		}

	}

}
