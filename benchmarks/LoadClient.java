import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keep-alive HTTP/1.1 clients for the rolling-restart benchmark: each client sends GET
 * requests one after the other on one connection to 127.0.0.1, and records every request
 * that did not end with a 2xx response. Nothing is retried: a failure is counted, the
 * connection is dropped, and the client goes on with a new one.
 * <p>
 * Run with {@code java LoadClient.java PORT STOP_FILE [options]}; it stops when the stop
 * file appears, or at {@code --max-seconds}, or after {@code --max-requests}, whichever
 * comes first, then prints its totals and every failure.
 * <p>
 * Options: {@code --clients N} keep-alive clients sending {@code --path} (default
 * {@code /fast}), {@code --slow-clients N} sending {@code --slow-path} (default
 * {@code /slow?millis=300}), {@code --think-millis N} pause between two requests of a
 * client.
 */
public class LoadClient {

	private static final String HOST = "127.0.0.1";

	private static final int RESPONSE_TIMEOUT_MILLIS = 15_000;

	private final int port;

	private final Path stopFile;

	private final long deadlineNanos;

	private final long maxRequests;

	private final long thinkMillis;

	private final long startNanos = System.nanoTime();

	private final AtomicLong requests = new AtomicLong();

	private final AtomicLong succeeded = new AtomicLong();

	private final AtomicLong connections = new AtomicLong();

	private final AtomicLong slowestNanos = new AtomicLong();

	private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();

	private volatile boolean stopping;

	LoadClient(int port, Path stopFile, long maxSeconds, long maxRequests, long thinkMillis) {
		this.port = port;
		this.stopFile = stopFile;
		this.deadlineNanos = this.startNanos + TimeUnit.SECONDS.toNanos(maxSeconds);
		this.maxRequests = maxRequests;
		this.thinkMillis = thinkMillis;
	}

	public static void main(String[] args) throws Exception {
		if (args.length < 2) {
			System.err.println("usage: java LoadClient.java PORT STOP_FILE [--clients N] [--slow-clients N] "
					+ "[--path P] [--slow-path P] [--think-millis N] [--max-seconds N] [--max-requests N]");
			System.exit(2);
		}
		Map<String, String> options = new TreeMap<>();
		for (int i = 2; i + 1 < args.length; i += 2) {
			options.put(args[i], args[i + 1]);
		}
		LoadClient client = new LoadClient(Integer.parseInt(args[0]), Path.of(args[1]),
				Long.parseLong(options.getOrDefault("--max-seconds", "600")),
				Long.parseLong(options.getOrDefault("--max-requests", "10000000")),
				Long.parseLong(options.getOrDefault("--think-millis", "5")));
		List<Thread> threads = new ArrayList<>();
		int clients = Integer.parseInt(options.getOrDefault("--clients", "8"));
		int slowClients = Integer.parseInt(options.getOrDefault("--slow-clients", "2"));
		for (int i = 0; i < clients + slowClients; i++) {
			String path = (i < clients) ? options.getOrDefault("--path", "/fast")
					: options.getOrDefault("--slow-path", "/slow?millis=300");
			int id = i + 1;
			threads.add(new Thread(() -> client.run(id, path), "client-" + id));
		}
		threads.forEach(Thread::start);
		client.awaitStop();
		for (Thread thread : threads) {
			thread.join(RESPONSE_TIMEOUT_MILLIS + 5_000);
		}
		System.exit(client.report() ? 0 : 1);
	}

	private void awaitStop() throws InterruptedException {
		while (!Files.exists(this.stopFile) && System.nanoTime() - this.deadlineNanos < 0
				&& this.requests.get() < this.maxRequests) {
			Thread.sleep(50);
		}
		this.stopping = true;
	}

	private void run(int id, String path) {
		byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + HOST + ":" + this.port + "\r\n\r\n")
			.getBytes(StandardCharsets.ISO_8859_1);
		Socket socket = null;
		InputStream in = null;
		while (!this.stopping) {
			long sentAt = System.nanoTime();
			try {
				if (socket == null) {
					socket = connect(id, path);
					if (socket == null) {
						pause(10);
						continue;
					}
					in = new BufferedInputStream(socket.getInputStream());
				}
				this.requests.incrementAndGet();
				OutputStream out = socket.getOutputStream();
				out.write(request);
				out.flush();
				Response response = Response.read(in);
				if (response.status() / 100 != 2) {
					fail(id, path, sentAt, "http-" + response.status(), response.statusLine());
					socket = close(socket);
				}
				else {
					this.succeeded.incrementAndGet();
					this.slowestNanos.accumulateAndGet(System.nanoTime() - sentAt, Math::max);
					if (response.closesConnection()) {
						socket = close(socket);
					}
				}
			}
			catch (ClosedBeforeResponse ex) {
				fail(id, path, sentAt, "closed-before-response", ex.getMessage());
				socket = close(socket);
			}
			catch (SocketTimeoutException ex) {
				fail(id, path, sentAt, "timeout", "no complete response in " + RESPONSE_TIMEOUT_MILLIS + " ms");
				socket = close(socket);
			}
			catch (IOException ex) {
				fail(id, path, sentAt, isReset(ex) ? "reset" : "io-error", ex.toString());
				socket = close(socket);
			}
			pause(this.thinkMillis);
		}
		close(socket);
	}

	private Socket connect(int id, String path) {
		long startedAt = System.nanoTime();
		Socket socket = new Socket();
		try {
			socket.setTcpNoDelay(true);
			socket.setSoTimeout(RESPONSE_TIMEOUT_MILLIS);
			socket.connect(new InetSocketAddress(HOST, this.port), 5_000);
			this.connections.incrementAndGet();
			return socket;
		}
		catch (ConnectException ex) {
			// The request could not be sent: a failed request all the same.
			this.requests.incrementAndGet();
			fail(id, path, startedAt, "refused", ex.getMessage());
		}
		catch (IOException ex) {
			this.requests.incrementAndGet();
			fail(id, path, startedAt, "connect-error", ex.toString());
		}
		close(socket);
		return null;
	}

	private void fail(int client, String path, long sentAtNanos, String kind, String detail) {
		if (!this.stopping) {
			this.failures.add(new Failure(TimeUnit.NANOSECONDS.toMillis(sentAtNanos - this.startNanos), client, path,
					kind, detail));
		}
	}

	private static boolean isReset(IOException ex) {
		String message = (ex.getMessage() != null) ? ex.getMessage().toLowerCase(Locale.ROOT) : "";
		return ex instanceof SocketException && (message.contains("reset") || message.contains("broken pipe"));
	}

	private static Socket close(Socket socket) {
		if (socket != null) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// nothing to do
			}
		}
		return null;
	}

	private static void pause(long millis) {
		if (millis > 0) {
			try {
				Thread.sleep(millis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * Prints the totals and every failure.
	 * @return whether no request failed
	 */
	private boolean report() {
		List<Failure> all = new ArrayList<>(this.failures);
		all.sort((a, b) -> Long.compare(a.atMillis(), b.atMillis()));
		Map<String, Integer> byKind = new TreeMap<>();
		all.forEach((failure) -> byKind.merge(failure.kind(), 1, Integer::sum));
		long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - this.startNanos));
		System.out.println("requests: " + this.requests.get() + " in " + seconds + " s ("
				+ (this.requests.get() / seconds) + "/s) on " + this.connections.get() + " connections");
		System.out.println("succeeded: " + this.succeeded.get() + ", the slowest in "
				+ TimeUnit.NANOSECONDS.toMillis(this.slowestNanos.get()) + " ms");
		System.out.println("failures: " + all.size() + (byKind.isEmpty() ? "" : " " + byKind));
		for (Failure failure : all) {
			System.out.println("  failure at " + failure.atMillis() + " ms, client " + failure.client() + " "
					+ failure.path() + ": " + failure.kind() + " (" + failure.detail() + ")");
		}
		return all.isEmpty();
	}

	record Failure(long atMillis, int client, String path, String kind, String detail) {
	}

	/**
	 * The connection ended before the first byte of a response.
	 */
	static final class ClosedBeforeResponse extends IOException {

		private static final long serialVersionUID = 1L;

		ClosedBeforeResponse(String message) {
			super(message);
		}

	}

	/**
	 * A response read in full: head, then a body delimited by Content-Length or chunks.
	 */
	record Response(String statusLine, int status, boolean closesConnection) {

		static Response read(InputStream in) throws IOException {
			String statusLine = readLine(in);
			if (statusLine == null) {
				throw new ClosedBeforeResponse("connection closed before any response byte");
			}
			int status = Integer.parseInt(statusLine.split(" ")[1]);
			long contentLength = -1;
			boolean chunked = false;
			boolean close = false;
			String line;
			while ((line = readLine(in)) != null && !line.isEmpty()) {
				int colon = line.indexOf(':');
				String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
				String value = line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
				switch (name) {
					case "content-length" -> contentLength = Long.parseLong(value);
					case "transfer-encoding" -> chunked = value.contains("chunked");
					case "connection" -> close = value.contains("close");
					default -> {
					}
				}
			}
			if (line == null) {
				throw new IOException("connection closed in the response head");
			}
			if (chunked) {
				readChunks(in);
			}
			else if (contentLength >= 0) {
				skip(in, contentLength);
			}
			else if (status != 204 && status != 304) {
				in.readAllBytes();
				close = true;
			}
			return new Response(statusLine, status, close);
		}

		private static void readChunks(InputStream in) throws IOException {
			while (true) {
				String size = readLine(in);
				if (size == null) {
					throw new IOException("connection closed in a chunked body");
				}
				long length = Long.parseLong(size.split(";")[0].trim(), 16);
				if (length == 0) {
					String trailer;
					while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
						// trailers
					}
					return;
				}
				skip(in, length);
				readLine(in);
			}
		}

		private static void skip(InputStream in, long length) throws IOException {
			long left = length;
			while (left > 0) {
				byte[] read = in.readNBytes((int) Math.min(left, 8192));
				if (read.length == 0) {
					throw new IOException("connection closed in the body, " + left + " bytes short");
				}
				left -= read.length;
			}
		}

		private static String readLine(InputStream in) throws IOException {
			ByteArrayOutputStream line = new ByteArrayOutputStream();
			while (true) {
				int b = in.read();
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

	}

}
