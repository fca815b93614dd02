import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The client side of benchmarks/drain-latency.sh: puts connections in a given state on
 * an application, stops the application with SIGTERM, and times what each connection
 * sees from that instant, and the process's exit.
 *
 * <pre>
 * java DrainClient.java PID PORT idle N [QUIET_MS]
 *     N connections, opened one after the other and each kept alive after one GET
 *     /fast (with QUIET_MS 0, a second one on each just before SIGTERM), then quiet
 *     for QUIET_MS (default 200) before SIGTERM: prints the time from SIGTERM until the last of them
 *     saw its FIN, and until the process exited. Past terminator's quiet period (2.5 s
 *     by default), the drain closes them at once; used just before (QUIET_MS 0), once
 *     they have been quiet for that long.
 * java DrainClient.java PID PORT quiet N [QUIET_MS]
 *     The same without a request (for the floor, BaselineServer.java, which serves
 *     none).
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
 * One line of output: {@code fin_ms exit_ms resets unanswered open}, where fin_ms is the
 * time until the last FIN (in-flight mode: minus the remaining time), resets and
 * unanswered count the connections that ended with a reset, or without their response,
 * and open those that saw no end within 120 s.
 * <p>
 * With 10,000 connections the client's own speed counts: it warms its FIN loop up on
 * local connections before measuring, and closes nothing until the last FIN.
 */
public class DrainClient {

	public static void main(String[] args) throws Exception {
		long pid = Long.parseLong(args[0]);
		int port = Integer.parseInt(args[1]);
		String mode = args[2];
		int count = Integer.parseInt(args[3]);
		if (!mode.equals("hold")) {
			warmUp();
		}
		List<Connection> connections = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
			channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
			Connection connection = new Connection(channel);
			connections.add(connection);
			if (mode.equals("idle") || mode.equals("hold")) {
				// Served before the next opens: Jetty accepts with a queue of 50, and
				// connections opened faster than it accepts were dropped, with or without
				// the starter.
				connection.send("GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n");
				connection.awaitResponse();
			}
		}
		long remainingNanos = 0;
		if (mode.equals("hold")) {
			System.out.println("ready");
			System.out.flush();
			System.in.read();
			return;
		}
		if (mode.equals("idle") || mode.equals("quiet")) {
			long quietMillis = (args.length > 4) ? Long.parseLong(args[4]) : 200;
			if (mode.equals("idle") && quietMillis == 0) {
				// Each used again just before SIGTERM.
				for (Connection connection : connections) {
					connection.send("GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n");
				}
				for (Connection connection : connections) {
					connection.awaitResponse();
				}
			}
			Thread.sleep(quietMillis);
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
			throw new IllegalArgumentException("mode: idle, quiet, inflight or hold, not " + mode);
		}
		Selector selector = register(connections);
		ProcessHandle app = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
		ExitWatch exit = new ExitWatch(pid);
		long start = System.nanoTime();
		if (!app.destroy()) {
			throw new IllegalStateException("could not send SIGTERM to " + pid);
		}
		exit.start();
		long lastEnd = awaitEnds(selector, connections, start + TimeUnit.SECONDS.toNanos(120));
		int open = 0;
		for (Connection connection : connections) {
			open += connection.ended ? 0 : 1;
			connection.channel.close();
		}
		long exited = exit.await(120, TimeUnit.SECONDS);
		int resets = 0;
		int unanswered = 0;
		for (Connection connection : connections) {
			resets += connection.reset ? 1 : 0;
			unanswered += (mode.equals("inflight") && connection.received == 0) ? 1 : 0;
		}
		System.out.printf("%.1f %.1f %d %d %d %.1f%n", (lastEnd - start - remainingNanos) / 1e6,
				(exited - start - remainingNanos) / 1e6, resets, unanswered, open,
				(firstEnd - start - remainingNanos) / 1e6);
	}

	static Selector register(List<Connection> connections) throws IOException {
		Selector selector = Selector.open();
		for (Connection connection : connections) {
			connection.channel.configureBlocking(false);
			connection.channel.register(selector, SelectionKey.OP_READ, connection);
		}
		return selector;
	}

	/**
	 * Reads every connection until it ends (FIN or reset) or the deadline passes, and
	 * returns when the last one ended. Nothing is closed on the way: a close costs the
	 * time this thread needs to see the next FIN.
	 */
	/** When the first connection ended, in the last {@link #awaitEnds}. */
	private static long firstEnd;

	static long awaitEnds(Selector selector, List<Connection> connections, long deadline) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
		int[] open = { connections.size() };
		long[] lastEnd = { System.nanoTime() };
		firstEnd = 0;
		while (open[0] > 0 && System.nanoTime() < deadline) {
			selector.select(key -> {
				Connection connection = (Connection) key.attachment();
				buffer.clear();
				int read;
				try {
					read = connection.channel.read(buffer);
				}
				catch (IOException ex) {
					connection.reset = true;
					read = -1;
				}
				if (read > 0) {
					connection.received += read;
				}
				else if (read < 0) {
					key.cancel();
					connection.ended = true;
					lastEnd[0] = System.nanoTime();
					if (firstEnd == 0) {
						firstEnd = lastEnd[0];
					}
					open[0]--;
				}
			}, 100);
		}
		selector.close();
		return lastEnd[0];
	}

	/**
	 * Runs {@link #awaitEnds} over local connections closed by their other end, so that
	 * the measured run sees FINs with compiled code, not the interpreter.
	 */
	static void warmUp() throws IOException {
		try (ServerSocketChannel listener = ServerSocketChannel.open()) {
			listener.bind(new InetSocketAddress("127.0.0.1", 0), 2000);
			for (int round = 0; round < 5; round++) {
				List<Connection> connections = new ArrayList<>();
				List<SocketChannel> accepted = new ArrayList<>();
				for (int i = 0; i < 2000; i++) {
					connections.add(new Connection(SocketChannel.open(listener.getLocalAddress())));
					accepted.add(listener.accept());
				}
				Selector selector = register(connections);
				for (SocketChannel channel : accepted) {
					channel.close();
				}
				awaitEnds(selector, connections, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
				for (Connection connection : connections) {
					connection.channel.close();
				}
			}
		}
	}

	/**
	 * Notes when a process has exited, to 0.2 ms. Not {@code ProcessHandle.onExit()}: for a
	 * process that is not our child it polls with a back-off that grows to hundreds of ms.
	 */
	static final class ExitWatch extends Thread {

		private final Path stat;

		private volatile long exitedAt;

		ExitWatch(long pid) {
			this.stat = Path.of("/proc", Long.toString(pid), "stat");
			setDaemon(true);
		}

		@Override
		public void run() {
			while (running()) {
				LockSupport.parkNanos(200_000);
			}
			this.exitedAt = System.nanoTime();
		}

		/** Whether the process is still running: neither gone nor a zombie waiting for its parent. */
		private boolean running() {
			try {
				String line = Files.readString(this.stat);
				return line.charAt(line.lastIndexOf(')') + 2) != 'Z';
			}
			catch (IOException ex) {
				return false;
			}
		}

		long await(long timeout, TimeUnit unit) throws InterruptedException {
			join(unit.toMillis(timeout));
			if (this.exitedAt == 0) {
				throw new IllegalStateException("the application did not exit within " + timeout + " " + unit);
			}
			return this.exitedAt;
		}

	}

	static final class Connection {

		final SocketChannel channel;

		long received;

		boolean reset;

		boolean ended;

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
