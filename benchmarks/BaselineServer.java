import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The floor of benchmarks/drain-latency.sh: a bare NIO HTTP server, one thread, that
 * answers every request with a fixed response and, on SIGTERM, closes every connection at
 * once and exits. No framework, no drain: how fast this machine can close connections and
 * have its clients see the FINs.
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
		Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
		CountDownLatch done = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			STOPPING[0] = true;
			selector.wakeup();
			try { done.await(10, TimeUnit.SECONDS); } catch (InterruptedException e) {}
		}));
		byte[] response = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n\r\nfast".getBytes(StandardCharsets.ISO_8859_1);
		ByteBuffer buffer = ByteBuffer.allocate(8192);
		while (!STOPPING[0]) {
			selector.select();
			Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
			while (keys.hasNext()) {
				SelectionKey key = keys.next(); keys.remove();
				if (key.isAcceptable()) {
					SocketChannel c;
					while ((c = server.accept()) != null) { c.configureBlocking(false); c.register(selector, SelectionKey.OP_READ); open.add(c); }
				} else if (key.isReadable()) {
					SocketChannel c = (SocketChannel) key.channel();
					buffer.clear();
					int n;
					try { n = c.read(buffer); } catch (Exception e) { n = -1; }
					if (n < 0) { key.cancel(); c.close(); open.remove(c); }
					else if (n > 0) c.write(ByteBuffer.wrap(response));
				}
			}
		}
		server.close();
		for (SocketChannel c : open) c.close();
		selector.selectNow();
		done.countDown();
	}
	/** Set by the shutdown hook; read by the loop after each wake-up. */
	static final boolean[] STOPPING = new boolean[1];
}
