package io.github.terminator.autoconfigure;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that has only one of the servers on its class path runs and drains
 * without the other's classes: terminator never loads a class of a server the application
 * does not run on. Each run gets a class loader of its own, over the test class path
 * without the other server's jars.
 */
class ServerIsolationTests {

	@ParameterizedTest(name = "without {0}")
	@CsvSource({ "/io/undertow/;/org/jboss/xnio/, TomcatServerAdapter", "/org/apache/tomcat/, UndertowServerAdapter" })
	void anApplicationWithOneServerNeverNeedsTheOther(String withoutJars, String adapter) throws Exception {
		List<URL> classPath = new ArrayList<>();
		for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
			String path = entry.replace(File.separatorChar, '/');
			boolean excluded = false;
			for (String without : withoutJars.split(";")) {
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
			Object outcome = isolated.loadClass("io.github.terminator.test.IsolatedRun").getMethod("run").invoke(null);
			assertThat(outcome).isEqualTo(adapter + " 200 TERMINATED FIN");
		}
		finally {
			thread.setContextClassLoader(previous);
		}
	}

}
