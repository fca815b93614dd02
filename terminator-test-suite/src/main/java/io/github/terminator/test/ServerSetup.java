package io.github.terminator.test;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

/**
 * One embedded server over HTTP or HTTPS: what every conformance test runs against. The
 * servers come from the {@link TestServers} of the Boot line the suite runs on, so that
 * the same tests run unchanged on each line.
 *
 * @param server the embedded server
 * @param tls whether it serves HTTPS
 */
public record ServerSetup(Server server, boolean tls) {

	private static final List<TestServers> LINES = ServiceLoader.load(TestServers.class).stream()
		.map(ServiceLoader.Provider::get)
		.toList();

	private static final List<Server> EVERY_SERVER = load();

	/** The servlet servers, which every test runs on. */
	private static final List<Server> SERVERS = EVERY_SERVER.stream().filter((server) -> !server.reactive()).toList();

	/**
	 * Every server, over HTTP and HTTPS: the {@code @MethodSource} of conformance tests.
	 * @return each setup
	 */
	public static Stream<ServerSetup> all() {
		List<ServerSetup> setups = new ArrayList<>();
		for (Server server : SERVERS) {
			setups.add(new ServerSetup(server, false));
			setups.add(new ServerSetup(server, true));
		}
		return setups.stream();
	}

	/**
	 * Every server, servlet and reactive, over HTTP and HTTPS: the {@code @MethodSource} of
	 * the tests whose endpoints both test applications have.
	 * @return each setup
	 */
	public static Stream<ServerSetup> everyStack() {
		List<ServerSetup> setups = new ArrayList<>();
		for (Server server : EVERY_SERVER) {
			setups.add(new ServerSetup(server, false));
			setups.add(new ServerSetup(server, true));
		}
		return setups.stream();
	}

	/**
	 * Every server, servlet and reactive, over HTTP only.
	 * @return each setup
	 */
	public static Stream<ServerSetup> everyStackPlain() {
		return everyStack().filter((setup) -> !setup.tls());
	}

	/**
	 * Every server, servlet and reactive, over HTTPS only.
	 * @return each setup
	 */
	public static Stream<ServerSetup> everyStackSecure() {
		return everyStack().filter((setup) -> setup.tls());
	}

	/**
	 * Every server, servlet and reactive, with the arguments of a test.
	 * @param arguments the other arguments, each an array of values
	 * @return the arguments, each followed by a setup
	 */
	public static Stream<Arguments> withEachOnEveryStack(Object[]... arguments) {
		return combine(everyStack(), arguments);
	}

	/**
	 * Every server, over HTTP only.
	 * @return each setup
	 */
	public static Stream<ServerSetup> plain() {
		return all().filter((setup) -> !setup.tls());
	}

	/**
	 * Every server, over HTTPS only.
	 * @return each setup
	 */
	public static Stream<ServerSetup> secure() {
		return all().filter((setup) -> setup.tls());
	}

	/**
	 * Every server whose HTTP/2 connections terminator drains, servlet and reactive, over
	 * h2c and h2.
	 * @return each setup
	 */
	public static Stream<ServerSetup> http2() {
		return everyStack().filter((setup) -> setup.server().drainsHttp2());
	}

	/**
	 * Every server of the line, servlet and reactive.
	 * @return the servers, the line's default first
	 */
	public static List<Server> everyServer() {
		return EVERY_SERVER;
	}

	/**
	 * Every servlet server of the line.
	 * @return the servers, the line's default first
	 */
	public static List<Server> servers() {
		return SERVERS;
	}

	/**
	 * What the paths of the jars of servers on the test class path that terminator does
	 * not drain on this line contain.
	 * @return the path fragments
	 */
	public static List<String> unsupportedServerJars() {
		return LINES.stream().flatMap((line) -> line.unsupportedServerJars().stream()).toList();
	}

	/**
	 * The server the line runs on by default, over HTTP or HTTPS.
	 * @param tls whether to serve HTTPS
	 * @return the setup
	 */
	public static ServerSetup defaultServer(boolean tls) {
		return new ServerSetup(SERVERS.get(0), tls);
	}

	/**
	 * A server of the line, by name.
	 * @param name the server's name, as {@code tomcat}
	 * @param tls whether to serve HTTPS
	 * @return the setup
	 */
	public static ServerSetup named(String name, boolean tls) {
		return new ServerSetup(EVERY_SERVER.stream()
			.filter((server) -> server.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("No server " + name + " in " + EVERY_SERVER)), tls);
	}

	/**
	 * Every combination of the setups with the arguments of a test.
	 * @param arguments the other arguments, each an array of values
	 * @return the arguments, each followed by a setup
	 */
	public static Stream<Arguments> withEach(Object[]... arguments) {
		return combine(all(), arguments);
	}

	private static Stream<Arguments> combine(Stream<ServerSetup> setups, Object[]... arguments) {
		return setups.flatMap((setup) -> Stream.of(arguments).map((values) -> {
			Object[] all = new Object[values.length + 1];
			System.arraycopy(values, 0, all, 0, values.length);
			all[values.length] = setup;
			return Arguments.of(all);
		}));
	}

	private static List<Server> load() {
		List<Server> servers = LINES.stream().flatMap((line) -> line.servers().stream()).toList();
		if (servers.isEmpty()) {
			throw new IllegalStateException("No " + TestServers.class.getName()
					+ " on the class path: the module that runs the suite names its servers in META-INF/services");
		}
		return servers;
	}

	@Override
	public String toString() {
		return this.server.name() + (this.tls ? " https" : " http");
	}

	/**
	 * An embedded server terminator supports, as one Boot line runs it.
	 *
	 * @param name short lowercase name, as {@code tomcat}
	 * @param configuration the configuration that makes an application run on this
	 * server, whatever else is on the class path
	 * @param keepAliveHeader the {@code Connection} header of a kept-alive response to an
	 * HTTP/1.1 request, as the server sends it by itself, or {@code null} when it sends
	 * none
	 * @param adapter simple name of the server adapter terminator picks for it
	 * @param jars what the paths of the server's jars contain, as {@code /org/apache/tomcat/}
	 * @param properties what an application needs, as {@code name=value}, to run on this
	 * server while the other servers are on the class path too
	 * @param oneWorker the properties that leave the server a single worker thread, which
	 * one request can hold busy; empty for a server whose pool cannot be held so (Jetty's
	 * also runs its acceptor and selectors)
	 * @param waitsForTheClientAfterGoingAway whether the server keeps a WebSocket open after
	 * its 1001 close frame until the client answers (Tomcat) or closes (Undertow); Jetty
	 * closes it at once
	 * @param drainsHttp2 whether terminator tells this server's HTTP/2 connections GOAWAY
	 * and closes them after their last stream
	 * @param reactive whether the server runs Spring WebFlux, and the tests the
	 * {@link ReactiveTestApplication}
	 */
	public record Server(String name, Class<?> configuration, String keepAliveHeader, String adapter,
			List<String> jars, List<String> properties, List<String> oneWorker,
			boolean waitsForTheClientAfterGoingAway, boolean drainsHttp2, boolean reactive) {

		/**
		 * A servlet server.
		 */
		public Server(String name, Class<?> configuration, String keepAliveHeader, String adapter, List<String> jars,
				List<String> properties, List<String> oneWorker, boolean waitsForTheClientAfterGoingAway,
				boolean drainsHttp2) {
			this(name, configuration, keepAliveHeader, adapter, jars, properties, oneWorker,
					waitsForTheClientAfterGoingAway, drainsHttp2, false);
		}

		@Override
		public String toString() {
			return this.name;
		}

	}

}
