package io.github.terminator.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an {@link InvalidTerminatorPropertyException} at start-up: the property, its
 * value, and the fix.
 */
class InvalidTerminatorPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidTerminatorPropertyException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidTerminatorPropertyException cause) {
		String description = "Invalid value '" + cause.getValue() + "' for property '"
				+ cause.getProperty() + "': " + cause.getReason() + ".";
		return new FailureAnalysis(description, cause.getAction(), cause);
	}

}
