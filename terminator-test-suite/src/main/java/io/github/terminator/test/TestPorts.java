package io.github.terminator.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for the servers the suite starts, each used once in a run: a port the system
 * chose ({@code server.port=0}) may be chosen again for the next server started, in
 * this JVM or the one beside it, while the clients of the server that had it still try
 * to reconnect. They must find the connection refused; they would reach the other
 * application instead (a {@code 404} from another test's management server, seen once).
 * <p>
 * The ports come from below the system's ephemeral range, which {@code server.port=0}
 * and every client's local port draw from. Each JVM claims a block of its own by
 * listening on the block's lock port for as long as it runs, so that test JVMs run
 * side by side never share one.
 */
public final class TestPorts {

	private static final int LOCK_BASE = 10_000;

	private static final int BLOCKS = 8;

	private static final int FIRST = LOCK_BASE + 100;

	private static final int BLOCK_SIZE = 2_500;

	/** The lock this JVM holds its block with: referenced, or the socket is closed when collected. */
	private static ServerSocket lock;

	/** The block this JVM holds, or -1 where none could be had. */
	private static final int BLOCK = claimBlock();

	private static final AtomicInteger NEXT = new AtomicInteger();

	private TestPorts() {
	}

	/**
	 * A free port that no other server of this run has had yet, or {@code 0} (a port the
	 * system chooses) where this JVM could claim no block.
	 * @return the port to start the next server on
	 */
	public static int next() {
		if (BLOCK < 0) {
			return 0;
		}
		for (int tries = 0; tries < BLOCK_SIZE; tries++) {
			int port = FIRST + BLOCK * BLOCK_SIZE + Math.floorMod(NEXT.getAndIncrement(), BLOCK_SIZE);
			if (isFree(port)) {
				return port;
			}
		}
		return 0;
	}

	private static boolean isFree(int port) {
		try (ServerSocket probe = new ServerSocket(port)) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int claimBlock() {
		int ephemeralStart = ephemeralRangeStart();
		if (FIRST + BLOCKS * BLOCK_SIZE > ephemeralStart) {
			System.err.println("TestPorts: the ephemeral range starts at " + ephemeralStart
					+ ", below the suite's ports: servers get port 0, which a server started next may be given again");
			return -1;
		}
		for (int block = 0; block < BLOCKS; block++) {
			try {
				// Held, never accepted from, until the JVM exits.
				lock = new ServerSocket(LOCK_BASE + block, 1, InetAddress.getLoopbackAddress());
				return block;
			}
			catch (IOException ex) {
				// Another test JVM holds this block.
			}
		}
		System.err.println("TestPorts: every block's lock port (" + LOCK_BASE + " to " + (LOCK_BASE + BLOCKS - 1)
				+ ") is taken: servers get port 0, which a server started next may be given again");
		return -1;
	}

	/** Where Linux starts its ephemeral ports; 49152, IANA's, elsewhere. */
	static int ephemeralRangeStart() {
		try {
			// Read by lines: a file of /proc says it is empty, and readString reads one byte of it.
			String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
			return Integer.parseInt(range.split("\\s+")[0]);
		}
		catch (IOException | RuntimeException ex) {
			return 49152;
		}
	}

}
