package io.github.terminator.isolation;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.github.terminator.test.ServerSetup;
import io.github.terminator.test.ServerSetup.Server;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that has only one of the servers on its class path runs and drains
 * without the others' classes: terminator never loads a class of a server the application
 * does not run on. Each run gets a class loader of its own, over the test class path
 * without the other servers' jars.
 */
// Loads every server's classes again, from the same jars, in class loaders it then
// closes: alone, or another test's read of those jars may meet a closed one.
@Isolated
class ServerIsolationTests {

	@ParameterizedTest(name = "only {0}")
	@MethodSource("io.github.terminator.test.ServerSetup#everyServer")
	void anApplicationWithOneServerNeverNeedsTheOthers(Server server) throws Exception {
		List<String> withoutJars = ServerSetup.everyServer()
			.stream()
			.filter((other) -> other != server)
			.flatMap((other) -> other.jars().stream())
			.collect(Collectors.toCollection(ArrayList::new));
		withoutJars.addAll(ServerSetup.unsupportedServerJars());
		List<URL> classPath = new ArrayList<>();
		for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
			String path = entry.replace(File.separatorChar, '/');
			boolean excluded = false;
			for (String without : withoutJars) {
				excluded |= path.contains(without);
			}
			if (!excluded) {
				classPath.add(new File(entry).toURI().toURL());
			}
		}
		Thread thread = Thread.currentThread();
		ClassLoader previous = thread.getContextClassLoader();
		try (URLClassLoader isolated = new URLClassLoader(classPath.toArray(URL[]::new),
				ClassLoader.getPlatformClassLoader())) {
			thread.setContextClassLoader(isolated);
			Object outcome = isolated.loadClass("io.github.terminator.test.IsolatedRun")
				.getMethod("run", boolean.class)
				.invoke(null, server.reactive());
			assertThat(outcome).isEqualTo(server.adapter() + " 200 TERMINATED FIN");
		}
		finally {
			thread.setContextClassLoader(previous);
		}
	}

}
