import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A drain's timeline, as clients see it: what is open and what is in flight, every 5 ms,
 * from SIGTERM to the process's exit.
 * <p>
 * {@code java TimelineClient.java record PID PORT OUT.csv}: opens IDLE keep-alive
 * connections that served one request each and then wait (a pool gone quiet), BUSY
 * pooled clients sending {@code GET /fast} back to back, each on its keep-alive
 * connection, opening a new one when the server closes it after a response, and SLOW
 * requests ({@code GET /slow?millis=1500}) in flight; then sends SIGTERM to PID and
 * samples until the process has exited. Each line of the CSV: milliseconds since
 * SIGTERM, connections open, requests in flight, requests written and then failed (reset,
 * or closed before their response), connects refused, responses received.
 * <p>
 * {@code java TimelineClient.java render OUT.svg TITLE A.csv LABEL_A B.csv LABEL_B}: draws
 * the timelines one above the other on one time axis.
 */
public class TimelineClient {

	static final int IDLE = Integer.getInteger("idle", 200);

	static final int BUSY = Integer.getInteger("busy", 16);

	static final int SLOW = Integer.getInteger("slow", 8);

	static final AtomicInteger open = new AtomicInteger();

	static final AtomicInteger inFlight = new AtomicInteger();

	static final AtomicInteger failed = new AtomicInteger();

	static final AtomicInteger refused = new AtomicInteger();

	static final AtomicInteger responses = new AtomicInteger();

	static volatile boolean stopping;

	public static void main(String[] args) throws Exception {
		if (args[0].equals("record")) {
			record(Long.parseLong(args[1]), Integer.parseInt(args[2]), Path.of(args[3]));
		}
		else {
			render(Path.of(args[1]), args[2], Path.of(args[3]), args[4], Path.of(args[5]), args[6]);
		}
	}

	static void record(long pid, int port, Path out) throws Exception {
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < IDLE; i++) {
			Socket socket = connect(port);
			exchange(socket, "/fast");
			threads.add(start(() -> awaitEnd(socket)));
		}
		for (int i = 0; i < BUSY; i++) {
			threads.add(start(() -> busy(port)));
		}
		// The idle ones past any quiet window of a new connection; the busy ones warm.
		Thread.sleep(3000);
		for (int i = 0; i < SLOW; i++) {
			threads.add(start(() -> slow(port)));
		}
		Thread.sleep(300);
		ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
		Path stat = Path.of("/proc", Long.toString(pid), "stat");
		List<String> lines = new ArrayList<>();
		lines.add("millis,open,in_flight,failed,refused,responses");
		long start = System.nanoTime();
		process.destroy();
		long exitedAt = 0;
		long next = start;
		while (true) {
			long now = System.nanoTime();
			if (exitedAt == 0 && !running(stat)) {
				exitedAt = now;
			}
			lines.add(String.format(Locale.ROOT, "%.1f,%d,%d,%d,%d,%d", (now - start) / 1e6, open.get(),
					inFlight.get(), failed.get(), refused.get(), responses.get()));
			if ((exitedAt != 0 && now - exitedAt > TimeUnit.MILLISECONDS.toNanos(100))
					|| now - start > TimeUnit.SECONDS.toNanos(60)) {
				break;
			}
			next += TimeUnit.MILLISECONDS.toNanos(5);
			LockSupport.parkNanos(next - System.nanoTime());
		}
		stopping = true;
		lines.add("# exit," + String.format(Locale.ROOT, "%.1f", (exitedAt - start) / 1e6));
		Files.write(out, lines);
		System.out.printf(Locale.ROOT, "exit %.0f ms after SIGTERM, %d requests failed, %d connects refused%n",
				(exitedAt - start) / 1e6, failed.get(), refused.get());
	}

	static Thread start(Action action) {
		Thread thread = new Thread(() -> {
			try {
				action.run();
			}
			catch (Exception ex) {
				// The connection's end is what is counted.
			}
		});
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

	static boolean running(Path stat) {
		try {
			String line = Files.readString(stat);
			return line.charAt(line.lastIndexOf(')') + 2) != 'Z';
		}
		catch (IOException ex) {
			return false;
		}
	}

	static Socket connect(int port) throws IOException {
		Socket socket = new Socket("127.0.0.1", port);
		socket.setTcpNoDelay(true);
		open.incrementAndGet();
		return socket;
	}

	/** Waits for an idle connection's end, FIN or reset. */
	static void awaitEnd(Socket socket) {
		try (socket) {
			socket.getInputStream().read();
		}
		catch (IOException ex) {
			// A reset: the end all the same.
		}
		finally {
			open.decrementAndGet();
		}
	}

	/** A pooled client: back-to-back requests, a new connection when one ends. */
	static void busy(int port) throws InterruptedException {
		while (!stopping) {
			Socket socket;
			try {
				socket = connect(port);
			}
			catch (ConnectException ex) {
				refused.incrementAndGet();
				// Another instance takes it from here.
				return;
			}
			catch (IOException ex) {
				refused.incrementAndGet();
				return;
			}
			try (socket) {
				while (!stopping) {
					if (!exchange(socket, "/fast")) {
						break;
					}
					Thread.sleep(2);
				}
			}
			catch (IOException ex) {
				// Counted in exchange.
			}
			finally {
				open.decrementAndGet();
			}
		}
	}

	static void slow(int port) throws IOException {
		try (Socket socket = connect(port)) {
			exchange(socket, "/slow?millis=1500");
		}
		finally {
			open.decrementAndGet();
		}
	}

	/**
	 * One request and its response.
	 * @return whether the connection stays open
	 */
	static boolean exchange(Socket socket, String path) throws IOException {
		OutputStream out = socket.getOutputStream();
		inFlight.incrementAndGet();
		try {
			out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			String head = readHead(socket.getInputStream());
			int length = Integer.parseInt(header(head, "content-length"));
			socket.getInputStream().readNBytes(length);
			responses.incrementAndGet();
			return !"close".equalsIgnoreCase(header(head, "connection"));
		}
		catch (IOException | RuntimeException ex) {
			failed.incrementAndGet();
			throw new IOException(ex);
		}
		finally {
			inFlight.decrementAndGet();
		}
	}

	static String readHead(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("closed before the response");
			}
			head.append((char) b);
		}
		return head.toString();
	}

	static String header(String head, String name) {
		for (String line : head.split("\r\n")) {
			int colon = line.indexOf(':');
			if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
				return line.substring(colon + 1).trim();
			}
		}
		return "";
	}

	@FunctionalInterface
	interface Action {

		void run() throws Exception;

	}

	// ---- the picture

	static final int WIDTH = 900;

	static final int PANEL = 210;

	static final int LEFT = 60;

	static final int TOP = 62;

	static void render(Path svg, String title, Path a, String labelA, Path b, String labelB) throws IOException {
		Timeline first = Timeline.read(a);
		Timeline second = Timeline.read(b);
		double span = Math.max(first.exit, second.exit) * 1.08;
		int max = Math.max(first.maxOpen(), second.maxOpen());
		StringBuilder out = new StringBuilder();
		int height = TOP + 2 * (PANEL + 60) + 30;
		out.append(String.format(Locale.ROOT,
				"<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='12'>%n",
				WIDTH, height));
		out.append("<rect width='100%' height='100%' fill='white'/>\n");
		out.append(String.format(Locale.ROOT, "<text x='%d' y='24' font-size='15' font-weight='bold'>%s</text>%n",
				LEFT, escape(title)));
		legend(out, LEFT, 44);
		panel(out, first, labelA, TOP, span, max);
		panel(out, second, labelB, TOP + PANEL + 60, span, max);
		out.append("</svg>\n");
		Files.writeString(svg, out);
	}

	static void legend(StringBuilder out, int x, int y) {
		String[][] items = { { "#1f77b4", "connections open" }, { "#ff7f0e", "requests in flight" },
				{ "#d62728", "requests failed (cumulative)" } };
		for (String[] item : items) {
			out.append(String.format(Locale.ROOT,
					"<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='3'/><text x='%d' y='%d'>%s</text>%n",
					x, y - 4, x + 18, y - 4, item[0], x + 22, y, item[1]));
			x += 145;
		}
	}

	static void panel(StringBuilder out, Timeline timeline, String label, int top, double span, int max) {
		int plotWidth = WIDTH - LEFT - 20;
		out.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-weight='bold'>%s</text>%n", LEFT, top + 4,
				escape(label + String.format(Locale.ROOT, ": exit %.0f ms after SIGTERM, %d requests failed", timeline.exit,
						timeline.lastFailed()))));
		int y0 = top + 14 + PANEL;
		out.append(String.format(Locale.ROOT,
				"<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>%n", LEFT, top + 14, plotWidth,
				PANEL));
		for (int tick = 0; tick <= 4; tick++) {
			double value = max * tick / 4.0;
			double y = y0 - PANEL * tick / 4.0;
			out.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' text-anchor='end'>%.0f</text>%n", LEFT - 6,
					y + 4, value));
		}
		double step = niceStep(span / 8);
		for (double t = 0; t <= span; t += step) {
			double x = LEFT + plotWidth * t / span;
			out.append(String.format(Locale.ROOT,
					"<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#eee'/><text x='%.1f' y='%d' text-anchor='middle'>%.0f ms</text>%n",
					x, top + 14, x, y0, x, y0 + 16, t));
		}
		double exitX = LEFT + plotWidth * timeline.exit / span;
		out.append(String.format(Locale.ROOT,
				"<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='black' stroke-dasharray='4 3'/><text x='%.1f' y='%d'>exit</text>%n",
				exitX, top + 14, exitX, y0, exitX + 3, top + 28));
		polyline(out, timeline, 1, "#1f77b4", span, max, plotWidth, y0);
		polyline(out, timeline, 2, "#ff7f0e", span, max, plotWidth, y0);
		polyline(out, timeline, 3, "#d62728", span, max, plotWidth, y0);
	}

	static void polyline(StringBuilder out, Timeline timeline, int column, String colour, double span, int max,
			int plotWidth, int y0) {
		StringBuilder points = new StringBuilder();
		for (double[] row : timeline.rows) {
			double x = LEFT + plotWidth * row[0] / span;
			double y = y0 - PANEL * Math.min(row[column], max) / Math.max(1, max);
			points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
		}
		out.append(String.format(Locale.ROOT,
				"<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>%n", colour, points.toString().trim()));
	}

	static double niceStep(double raw) {
		double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
		for (double factor : new double[] { 1, 2, 5, 10 }) {
			if (magnitude * factor >= raw) {
				return magnitude * factor;
			}
		}
		return magnitude * 10;
	}

	static String escape(String text) {
		return text.replace("&", "&amp;").replace("<", "&lt;");
	}

	record Timeline(List<double[]> rows, double exit) {

		static Timeline read(Path csv) throws IOException {
			List<double[]> rows = new ArrayList<>();
			double exit = 0;
			for (String line : Files.readAllLines(csv)) {
				if (line.startsWith("# exit,")) {
					exit = Double.parseDouble(line.substring(7));
				}
				else if (!line.startsWith("millis") && !line.isBlank()) {
					String[] cells = line.split(",");
					double[] row = new double[cells.length];
					for (int i = 0; i < cells.length; i++) {
						row[i] = Double.parseDouble(cells[i]);
					}
					rows.add(row);
				}
			}
			return new Timeline(rows, exit);
		}

		int maxOpen() {
			return (int) this.rows.stream().mapToDouble((row) -> row[1]).max().orElse(1);
		}

		int lastFailed() {
			return this.rows.isEmpty() ? 0 : (int) this.rows.get(this.rows.size() - 1)[3];
		}

	}

}
