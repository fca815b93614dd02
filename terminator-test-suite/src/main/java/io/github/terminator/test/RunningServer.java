package io.github.terminator.test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;
import io.github.terminator.test.RawConnection.Close;
import io.github.terminator.test.RawConnection.RawResponse;

import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.Resource;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;
import org.springframework.core.type.classreading.SimpleMetadataReaderFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A real embedded server running {@link TestApplication}, or {@link ReactiveTestApplication}
 * on a reactive server, on a port of its own ({@link TestPorts}), over HTTP or HTTPS.
 */
public final class RunningServer implements AutoCloseable {

	/**
	 * A quiet period of 100 ms instead of the default 2.5 s, for the tests of what
	 * happens once a kept-alive connection has been closed, not of when.
	 */
	public static final String SHORT_QUIET_PERIOD = "terminator.quiet-period=100ms";

	/** Spring Boot's name for an application's cache of class metadata. */
	private static final String SHARED_METADATA_READER_FACTORY = "org.springframework.boot.autoconfigure."
			+ "internalCachingMetadataReaderFactory";

	private static final MetadataReaderFactory CLASS_METADATA = new SharedClassMetadata();

	private final ConfigurableApplicationContext context;

	private final ServerSetup setup;

	private final TestEndpoints application;

	private final int port;

	private RunningServer(ConfigurableApplicationContext context, ServerSetup setup) {
		this.context = context;
		this.setup = setup;
		this.application = context.getBean(TestEndpoints.class);
		// Read once: some servers stop reporting their port when the listener closes.
		this.port = localPort(context);
	}

	/**
	 * Starts the test application on the line's default server.
	 * @param tls whether to serve HTTPS
	 * @param properties extra properties, as {@code name=value}
	 */
	public static RunningServer start(boolean tls, String... properties) {
		return start(ServerSetup.defaultServer(tls), properties);
	}

	/**
	 * Starts the test application.
	 * @param setup the server to run on, over HTTP or HTTPS
	 * @param properties extra properties, as {@code name=value}
	 */
	public static RunningServer start(ServerSetup setup, String... properties) {
		boolean tls = setup.tls();
		List<String> all = new ArrayList<>();
		all.add("server.port=" + TestPorts.next());
		all.add("spring.main.banner-mode=off");
		all.add("logging.level.root=WARN");
		all.add("logging.level.io.github.terminator=INFO");
		// Spring AI's MCP server, on the class path of the lines that test it: on for those tests only.
		all.add("spring.ai.mcp.server.enabled=false");
		if (tls) {
			TomcatCiphers.initialize();
			// A P-256 key for localhost and 127.0.0.1, in a PKCS#12 store made with one PBKDF2
			// iteration (keytool -genkeypair -keyalg EC -groupname secp256r1
			// -J-Dkeystore.pkcs12.{cert,key}PbeIterationCount=1 -J-Dkeystore.pkcs12.macIterationCount=1):
			// with an RSA key and keytool's 10,000 iterations, loading the store and signing each
			// handshake took a fifth of the suite's CPU.
			all.add("server.ssl.key-store=classpath:test-keystore.p12");
			all.add("server.ssl.key-store-password=changeit");
			all.add("server.ssl.key-store-type=PKCS12");
		}
		all.addAll(setup.server().properties());
		all.addAll(Arrays.asList(properties));
		boolean reactive = setup.server().reactive();
		ConfigurableApplicationContext context = new SpringApplicationBuilder(
				reactive ? ReactiveTestApplication.class : TestApplication.class, setup.server().configuration())
			.web(reactive ? WebApplicationType.REACTIVE : WebApplicationType.SERVLET)
			.properties(all.toArray(String[]::new))
			.initializers(RunningServer::shareClassMetadata)
			.run();
		return new RunningServer(context, setup);
	}

	/**
	 * Makes the application read its configuration classes' metadata from one cache that
	 * every application the suite starts in this JVM shares: each would read the same
	 * hundreds of class files again, a tenth of what starting one costs. Spring Boot keeps
	 * one such cache per application, under this name, and takes the one it finds.
	 */
	private static void shareClassMetadata(ConfigurableApplicationContext context) {
		if (context.getBeanFactory() instanceof BeanDefinitionRegistry registry) {
			registry.registerBeanDefinition(SHARED_METADATA_READER_FACTORY, BeanDefinitionBuilder
				.rootBeanDefinition(MetadataReaderFactory.class, () -> CLASS_METADATA)
				.getBeanDefinition());
		}
	}

	/**
	 * The port the server listens on, as Spring Boot publishes it on every line.
	 * @param context the application's context
	 * @return the port
	 */
	public static int localPort(ConfigurableApplicationContext context) {
		return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
	}

	public int port() {
		return this.port;
	}

	public boolean tls() {
		return this.setup.tls();
	}

	public ServerSetup setup() {
		return this.setup;
	}

	public RawConnection connect() throws java.io.IOException {
		return RawConnection.open(port(), tls());
	}

	public Terminator terminator() {
		return this.context.getBean(Terminator.class);
	}

	public ConnectionRegistry registry() {
		return this.context.getBean(ConnectionRegistry.class);
	}

	public ConfigurableApplicationContext context() {
		return this.context;
	}

	/** Requests that reached a handler. */
	public int hits() {
		return this.application.hits().get();
	}

	/** Ids of the requests that reached {@code /echo}: what the server read. */
	public Set<String> received() {
		return this.application.received();
	}

	/** How the server's exchange of each request to {@code /echo} ended, where the stack tells. */
	public Map<String, String> outcomes() {
		return this.application.outcomes();
	}

	/** Handlers of {@code /large} still writing their response. */
	public int handlersWriting() {
		return this.application.writing().get();
	}

	/** Lets every request waiting in {@code /blocked} return. */
	public void releaseBlocked() {
		this.application.release().countDown();
	}

	/**
	 * Runs each task on a thread of its own: a termination blocks for seconds, and tests
	 * run side by side must not wait for each other's in a shared pool.
	 */
	public static final Executor OWN_THREAD = (task) -> {
		Thread thread = new Thread(task, "test-terminate");
		thread.setDaemon(true);
		thread.start();
	};

	/** Runs {@link Terminator#terminate()} on another thread. */
	public CompletableFuture<TerminationResult> terminateAsync() {
		return CompletableFuture.supplyAsync(terminator()::terminate, OWN_THREAD);
	}

	/**
	 * Closes the application context on another thread, as a SIGTERM would, so that the
	 * test can act as a client meanwhile.
	 */
	public CompletableFuture<Void> closeAsync() {
		return CompletableFuture.runAsync(this.context::close, OWN_THREAD);
	}

	/**
	 * Waits, polling every millisecond, for a termination to start closing connections:
	 * the quiet window that follows is short.
	 */
	public void awaitClosingConnections() {
		await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1)).until(registry()::isClosingConnections);
	}

	/**
	 * Waits until {@code count} requests are being processed, polling every 100 ms: a
	 * request that ends before a poll sees it is never seen, so each must last well
	 * beyond that on a loaded machine. Some tests count on the wait's 100 ms for the
	 * requests to have written something (a stream its first event).
	 */
	public void awaitRequestsInFlight(int count) {
		await().atMost(Duration.ofSeconds(5)).until(() -> registry().requestsInFlight() == count);
	}

	/**
	 * Serves a request on an extra port of the server, then terminates while the
	 * connection is idle: the connection must have been tracked with that port, closed
	 * with a FIN and counted, and the port must refuse connections afterwards.
	 */
	public void assertIdleConnectionOnPortIsTrackedAndDrained(int port) throws Exception {
		try (RawConnection client = RawConnection.open(port, false)) {
			RawResponse response = client.get("/fast").readResponse(Duration.ofSeconds(5));
			assertThat(response.status()).isEqualTo(200);
			assertThat(registry().connections()).singleElement()
				.satisfies((connection) -> assertThat(connection.localPort()).isEqualTo(port));
			// Closed once it has been idle for the quiet period.
			CompletableFuture<TerminationResult> result = terminateAsync();
			assertThat(client.awaitClose(Duration.ofSeconds(5))).isEqualTo(Close.FIN);
			assertThat(result.get(5, TimeUnit.SECONDS).connectionsClosedIdle()).isEqualTo(1);
		}
		assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawConnection.open(port, false));
	}

	/**
	 * Connects clients that each write a request for {@code /echo} with an id of its own
	 * ({@code waiting-0}, {@code waiting-1}...), without waiting for its response: while
	 * the listener is kept from accepting, they wait in its backlog.
	 * @param count how many
	 * @return the connections, in the order of their ids
	 */
	public List<RawConnection> connectWaiting(int count) throws java.io.IOException {
		List<RawConnection> waiting = new ArrayList<>();
		try {
			for (int i = 0; i < count; i++) {
				RawConnection connection = connect();
				waiting.add(connection);
				connection.send("GET /echo HTTP/1.1\r\nHost: localhost\r\n" + TestApplication.REQUEST_ID + ": waiting-"
						+ i + "\r\n\r\n");
			}
			return waiting;
		}
		catch (java.io.IOException | RuntimeException ex) {
			waiting.forEach(RawConnection::close);
			throw ex;
		}
	}

	/**
	 * Asserts that each client of {@link #connectWaiting} got its own response, then a FIN:
	 * served, perhaps before clients are told to reconnect, and closed after the response
	 * or its quiet period.
	 */
	public static void assertWaitingServedThenClosed(List<RawConnection> waiting, Duration wait) throws Exception {
		for (int i = 0; i < waiting.size(); i++) {
			RawResponse response = waiting.get(i).readResponse(wait);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("waiting-" + i);
			assertThat(waiting.get(i).awaitClose(wait)).isEqualTo(Close.FIN);
		}
	}

	@Override
	public void close() {
		releaseBlocked();
		this.context.close();
	}

	/**
	 * Class metadata read once per JVM. Not a {@code CachingMetadataReaderFactory}, whose
	 * cache Spring's configuration class processing clears when it is done.
	 */
	private static final class SharedClassMetadata extends SimpleMetadataReaderFactory {

		private final Map<Resource, MetadataReader> readers = new ConcurrentHashMap<>();

		SharedClassMetadata() {
			super(RunningServer.class.getClassLoader());
		}

		@Override
		public MetadataReader getMetadataReader(Resource resource) throws IOException {
			MetadataReader reader = this.readers.get(resource);
			if (reader == null) {
				reader = super.getMetadataReader(resource);
				this.readers.putIfAbsent(resource, reader);
			}
			return reader;
		}

	}

}
