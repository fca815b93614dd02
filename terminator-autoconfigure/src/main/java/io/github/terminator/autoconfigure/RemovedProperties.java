package io.github.terminator.autoconfigure;

import org.springframework.core.env.Environment;

/**
 * Properties terminator no longer reads, which stop the application at start-up rather
 * than change its behaviour without a word.
 */
final class RemovedProperties {

	private RemovedProperties() {
	}

	/**
	 * Fails on a removed property that is set.
	 * @param environment the application's environment
	 * @throws InvalidTerminatorPropertyException naming the property and what replaces it
	 */
	static void check(Environment environment) {
		String completeEmitters = environment.getProperty("terminator.complete-emitters");
		if (completeEmitters != null) {
			throw new InvalidTerminatorPropertyException("terminator.complete-emitters", completeEmitters,
					"it was removed: every stream now finishes like any request, and only the streams declared "
							+ "subscriptions are ended when the drain starts",
					"Remove it, and declare the endless streams your clients resume with terminator.subscriptions "
							+ "(path patterns such as /events/**) or the @Subscription annotation on their handler "
							+ "methods.");
		}
	}

}
