package io.github.terminator.benchmarks;

import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.StreamRegistry;
import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.Protocol;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The work the starter adds to a server, in the server-agnostic core that every adapter
 * calls through {@code core.spi}: per connection (tracked at accept, forgotten at close),
 * per request (its start and its end, and the decision taken on every response: whether
 * to close the connection), per HTTP/2 stream (its start and its end on a multiplexed
 * connection), and per streamed response (a stream registered and finished, as Spring
 * MVC's and WebFlux's stream tracking do). The adapters add a call or two around these (a
 * valve on Tomcat, a handler on Undertow and Jetty, pipeline handlers on Reactor Netty),
 * which this does not count.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class HotPathBenchmark {

	private ConnectionRegistry registry;

	private ConnectionEvents connection;

	private ConnectionEvents http2;

	private StreamRegistry streams;

	private final ConnectionControl control = new ConnectionControl() {

		@Override
		public String remoteAddress() {
			return "127.0.0.1:50000";
		}

		@Override
		public int localPort() {
			return 8080;
		}

		@Override
		public boolean closeIfIdle() {
			return true;
		}

		@Override
		public void forceClose() {
		}

	};

	@Setup
	public void setUp() {
		this.registry = new ConnectionRegistry();
		// A server with other connections open: the registry is not empty.
		for (int i = 0; i < 100; i++) {
			this.registry.open(this.control);
		}
		this.connection = this.registry.open(this.control);
		this.http2 = this.registry.open(this.control);
		this.http2.onUpgraded(Protocol.H2);
		this.streams = this.registry.streams();
	}

	/** A connection's life as the starter sees it: tracked at accept, forgotten at close. */
	@Benchmark
	public void connection() {
		this.registry.open(this.control).onClosed();
	}

	/** A request on a kept-alive connection: its start, the header decision, its end. */
	@Benchmark
	public boolean request() {
		this.connection.onRequestStarted("GET", "/orders/42?page=1");
		boolean close = this.registry.isClosingConnections();
		this.connection.onRequestCompleted();
		return close;
	}

	/** A stream of an HTTP/2 connection: its start, the header decision, its end. */
	@Benchmark
	public boolean http2Stream() {
		ConnectionEvents.Stream stream = this.http2.onStreamStarted("GET", "/orders/42");
		boolean close = this.registry.isClosingConnections();
		stream.completed();
		return close;
	}

	/** A response streamed by the application (SSE, a Flux): registered, then finished. */
	@Benchmark
	public void streamedResponse() {
		this.streams.open(false, null).finished();
	}

}
