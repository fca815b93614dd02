package io.github.terminator.reliability;

/**
 * How many times over the reliability tests repeat themselves: once in the normal test
 * run, more with the {@code stress} Maven profile
 * ({@code -Dterminator.stress.factor=N}).
 */
final class Stress {

	private Stress() {
	}

	/**
	 * {@code rounds} times the stress factor.
	 * @param rounds the rounds of a normal test run
	 * @return the rounds to run
	 */
	static int rounds(int rounds) {
		String factor = System.getProperty("terminator.stress.factor", "1");
		try {
			int value = Integer.parseInt(factor.trim());
			if (value < 1) {
				throw new NumberFormatException();
			}
			return rounds * value;
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException(
					"terminator.stress.factor must be a whole number of 1 or more, not '" + factor + "'");
		}
	}

}
