package io.github.terminator.autoconfigure;

/**
 * Thrown at start-up when a {@code terminator.*} property has a value terminator cannot
 * work with.
 */
public class InvalidTerminatorPropertyException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** The name of the invalid property. */
	private final String property;

	/** The invalid value, as a duration is written in properties when it is one. */
	private final String value;

	/** Why the value is invalid. */
	private final String reason;

	/** How to fix it. */
	private final String action;

	InvalidTerminatorPropertyException(String property, String value, String reason, String action) {
		super("Invalid value '" + value + "' for property " + property + ": " + reason + ". " + action);
		this.property = property;
		this.value = value;
		this.reason = reason;
		this.action = action;
	}

	/**
	 * The name of the invalid property.
	 * @return the property, such as {@code terminator.max-wait}
	 */
	public String getProperty() {
		return this.property;
	}

	/**
	 * The invalid value, as a duration is written in properties when it is one.
	 * @return the value, such as {@code -1s}
	 */
	public String getValue() {
		return this.value;
	}

	/**
	 * Why the value is invalid.
	 * @return the reason
	 */
	public String getReason() {
		return this.reason;
	}

	/**
	 * How to fix it.
	 * @return the action to take
	 */
	public String getAction() {
		return this.action;
	}

}
