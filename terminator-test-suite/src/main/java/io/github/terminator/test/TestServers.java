package io.github.terminator.test;

import java.util.List;

/**
 * The embedded servers of one Spring Boot line, named by the module that runs the suite
 * on that line in {@code META-INF/services/io.github.terminator.test.TestServers}.
 */
public interface TestServers {

	/**
	 * The servers to run every conformance test against.
	 * @return the servers, the line's default first
	 */
	List<ServerSetup.Server> servers();

	/**
	 * Servers on the test class path that terminator does not drain on this line, which
	 * a test of one server's isolation leaves out too.
	 * @return what the paths of their jars contain, as {@code /org/eclipse/jetty/}
	 */
	default List<String> unsupportedServerJars() {
		return List.of();
	}

}
