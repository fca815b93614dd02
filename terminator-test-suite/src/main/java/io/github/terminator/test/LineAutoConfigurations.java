package io.github.terminator.test;

import java.util.Arrays;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.util.ClassUtils;

/**
 * Spring Boot's auto-configurations that a test of terminator's runs beside, where they
 * differ between Boot lines: Spring Boot 4 moved them into modules of their own. The
 * suite compiles against Spring Boot 3.5, so it names them, and each is the class of the
 * line the suite runs on.
 */
public final class LineAutoConfigurations {

	private LineAutoConfigurations() {
	}

	/**
	 * Spring Boot's metrics: the application's meter registry, and the binding of every
	 * {@code MeterBinder} bean to it.
	 * @return the auto-configurations of the running line
	 */
	public static AutoConfigurations metrics() {
		return AutoConfigurations.of(
				resolve("org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
						"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration"),
				resolve("org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
						"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"),
				resolve("org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
						"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"));
	}

	/**
	 * The first of the names of one class that is on the class path.
	 * @param names the class's name on each line, Spring Boot 3.5's first
	 * @return the class
	 * @throws IllegalStateException when none is: the suite runs on a line it does not
	 * know, or the module that runs it misses a dependency
	 */
	private static Class<?> resolve(String... names) {
		ClassLoader classLoader = LineAutoConfigurations.class.getClassLoader();
		for (String name : names) {
			if (ClassUtils.isPresent(name, classLoader)) {
				return ClassUtils.resolveClassName(name, classLoader);
			}
		}
		throw new IllegalStateException("None of " + Arrays.toString(names) + " is on the class path: name the class "
				+ "of this Spring Boot line here, or add its module to the tests of the line");
	}

}
