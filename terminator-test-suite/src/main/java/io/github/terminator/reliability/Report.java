package io.github.terminator.reliability;

/**
 * Prints the counts of a reliability test where the test run keeps them: the test's
 * output file under {@code target/surefire-reports}.
 */
final class Report {

	private Report() {
	}

	static void print(String test, Object counts) {
		System.out.println("[reliability] " + test + ": " + counts);
	}

}
