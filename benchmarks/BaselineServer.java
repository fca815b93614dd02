import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The floor of benchmarks/drain-latency.sh: a server that does nothing but accept, and on
 * SIGTERM closes every connection in a tight loop from its shutdown hook and exits. No
 * framework, no selector, no request: a close is one system call and its FIN leaves at
 * once. What remains is the JVM's signal handling, the kernel's work for each close, and
 * the time the client needs to see the FINs: the floor of this machine.
 *
 * <pre>
 * java BaselineServer.java PORT
 * </pre>
 */
public class BaselineServer {

	public static void main(String[] args) throws IOException {
		int port = Integer.parseInt(args[0]);
		Queue<SocketChannel> connections = new ConcurrentLinkedQueue<>();
		ServerSocketChannel listener = ServerSocketChannel.open();
		listener.bind(new InetSocketAddress("127.0.0.1", port), 20000);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			for (SocketChannel connection : connections) {
				try {
					connection.close();
				}
				catch (IOException ex) {
					// Closed by its client already.
				}
			}
		}));
		while (true) {
			connections.add(listener.accept());
		}
	}

}
