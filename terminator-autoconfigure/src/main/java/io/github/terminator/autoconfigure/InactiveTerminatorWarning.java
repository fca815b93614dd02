package io.github.terminator.autoconfigure;

import java.util.Arrays;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.web.server.WebServerFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.util.ClassUtils;

/**
 * Says, once at start-up, that terminator is on the class path of a web application it
 * does not drain, what it found and what it supports: a starter that does nothing must
 * not do it silently. Spring Boot's own graceful shutdown still applies there.
 */
final class InactiveTerminatorWarning implements SmartInitializingSingleton {

	/** What terminator drains, as the README's compatibility table says. */
	static final String SUPPORTED = "terminator drains servlet applications on Tomcat 10.1, Undertow 2.3 or Jetty 12.0 "
			+ "with Spring Boot 3.5, and on Tomcat 11 or Jetty 12 with Spring Boot 4, and WebFlux applications on "
			+ "Reactor Netty with either";

	private static final Log logger = LogFactory.getLog(InactiveTerminatorWarning.class);

	private final String reason;

	InactiveTerminatorWarning(ApplicationContext context) {
		this.reason = "terminator does not drain this application: it found " + server(context) + ", a "
				+ kind(context) + " web application, on Spring Boot " + SpringBootVersion.getVersion() + "; "
				+ SUPPORTED + ". Spring Boot's own graceful shutdown applies.";
	}

	/**
	 * Why terminator does not drain the application.
	 * @return the reason, as logged
	 */
	String reason() {
		return this.reason;
	}

	@Override
	public void afterSingletonsInstantiated() {
		logger.warn(this.reason);
	}

	private static String server(ListableBeanFactory beanFactory) {
		String[] names = beanFactory.getBeanNamesForType(WebServerFactory.class, false, false);
		String factories = Arrays.stream(names)
			.map(beanFactory::getType)
			.filter((type) -> type != null)
			.map(Class::getName)
			.collect(Collectors.joining(", "));
		return factories.isEmpty() ? "no embedded web server" : factories;
	}

	private static String kind(ApplicationContext context) {
		return isInstance("org.springframework.web.context.WebApplicationContext", context) ? "servlet" : "reactive";
	}

	private static boolean isInstance(String className, Object object) {
		try {
			return ClassUtils.forName(className, object.getClass().getClassLoader()).isInstance(object);
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

}
