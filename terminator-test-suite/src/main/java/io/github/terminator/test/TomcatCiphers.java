package io.github.terminator.test;

import java.lang.reflect.Method;

/**
 * Tomcat fills its table of OpenSSL cipher names on first use, without a lock
 * ({@code OpenSSLCipherConfigurationParser.init}): two Tomcat TLS connectors starting at
 * once in one JVM, as the suite's tests do side by side, can both fill it, and one fails
 * to start with a {@code NullPointerException}. An application starts its connectors one
 * after the other and never meets it. Filled here once, before any test's server starts.
 */
final class TomcatCiphers {

	private static final String PARSER = "org.apache.tomcat.util.net.openssl.ciphers.OpenSSLCipherConfigurationParser";

	private static boolean initialized;

	private TomcatCiphers() {
	}

	static synchronized void initialize() {
		if (initialized) {
			return;
		}
		initialized = true;
		Class<?> parser;
		try {
			parser = Class.forName(PARSER, true, TomcatCiphers.class.getClassLoader());
		}
		catch (ClassNotFoundException ex) {
			// Not Tomcat.
			return;
		}
		try {
			Method parse = parser.getMethod("parse", String.class);
			parse.invoke(null, "HIGH");
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Tomcat's cipher table could not be filled before the tests' servers start",
					ex);
		}
	}

}
