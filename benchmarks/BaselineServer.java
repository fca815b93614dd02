import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * The floor of benchmarks/drain-latency.sh: a bare NIO HTTP server, one thread, that
 * answers every request with a fixed response and on SIGTERM simply exits: no shutdown
 * hook, no drain, the kernel closes every socket as the process ends. No JVM server can
 * close its connections sooner after a SIGTERM; what remains is the JVM's exit and the
 * time the client needs to see the FINs.
 *
 * <pre>
 * java BaselineServer.java PORT
 * </pre>
 */
public class BaselineServer {

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		Selector selector = Selector.open();
		ServerSocketChannel server = ServerSocketChannel.open();
		server.bind(new InetSocketAddress("127.0.0.1", port), 20000);
		server.configureBlocking(false);
		server.register(selector, SelectionKey.OP_ACCEPT);
		byte[] response = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n\r\nfast"
			.getBytes(StandardCharsets.ISO_8859_1);
		ByteBuffer buffer = ByteBuffer.allocate(8192);
		while (true) {
			selector.select();
			Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
			while (keys.hasNext()) {
				SelectionKey key = keys.next();
				keys.remove();
				if (key.isAcceptable()) {
					SocketChannel channel;
					while ((channel = server.accept()) != null) {
						channel.configureBlocking(false);
						channel.register(selector, SelectionKey.OP_READ);
					}
				}
				else if (key.isReadable()) {
					SocketChannel channel = (SocketChannel) key.channel();
					buffer.clear();
					int read;
					try {
						read = channel.read(buffer);
					}
					catch (Exception ex) {
						read = -1;
					}
					if (read < 0) {
						key.cancel();
						channel.close();
					}
					else if (read > 0) {
						channel.write(ByteBuffer.wrap(response));
					}
				}
			}
		}
	}

}
