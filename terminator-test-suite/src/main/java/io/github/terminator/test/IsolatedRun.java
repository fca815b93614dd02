package io.github.terminator.test;

import java.time.Duration;

import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.core.TerminationResult;
import io.github.terminator.core.Terminator;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs {@link TestApplication}, or {@link ReactiveTestApplication}, on whichever server is
 * on the class path, as an application that has only one would: loaded by a class loader
 * of its own, it must not touch this class's callers.
 */
public final class IsolatedRun {

	private IsolatedRun() {
	}

	/**
	 * Starts the application, serves one request on a kept-alive connection, terminates.
	 * @param reactive whether to run the reactive application
	 * @return the adapter's class name, the response status, the termination code and how
	 * the idle connection ended
	 * @throws Exception on any failure
	 */
	public static String run(boolean reactive) throws Exception {
		disableTomcatUrlHandlers();
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(
				reactive ? ReactiveTestApplication.class : TestApplication.class)
			.web(reactive ? WebApplicationType.REACTIVE : WebApplicationType.SERVLET)
			.properties("server.port=0", "spring.main.banner-mode=off", "logging.level.root=WARN",
					RunningServer.SHORT_QUIET_PERIOD)
			.run()) {
			int port = RunningServer.localPort(context);
			try (RawConnection client = RawConnection.open(port, false)) {
				int status = client.get("/fast").readResponse(Duration.ofSeconds(5)).status();
				Thread.sleep(150);
				TerminationResult result = context.getBean(Terminator.class).terminate();
				return context.getBean(ServerAdapter.class).getClass().getSimpleName() + " " + status + " "
						+ result.code() + " " + client.awaitClose(Duration.ofSeconds(5));
			}
		}
	}

	/**
	 * Tomcat registers a URL stream handler factory once per JVM, and a second copy of
	 * Tomcat, in this class loader, fails to: told not to, it does without.
	 */
	private static void disableTomcatUrlHandlers() throws ReflectiveOperationException {
		try {
			Class.forName("org.apache.catalina.webresources.TomcatURLStreamHandlerFactory", true,
					IsolatedRun.class.getClassLoader())
				.getMethod("disable")
				.invoke(null);
		}
		catch (ClassNotFoundException ex) {
			// Not on Tomcat.
		}
	}

}
