package io.github.terminator.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * The paths declared subscriptions by {@code terminator.subscriptions}, matched the way
 * Spring MVC and WebFlux match request mappings.
 */
final class SubscriptionPaths {

	private static final String PROPERTY = "terminator.subscriptions";

	private final List<PathPattern> patterns;

	/** The literal start of each pattern, before its first variable or wildcard. */
	private final List<String> prefixes;

	private SubscriptionPaths(List<PathPattern> patterns) {
		this.patterns = patterns;
		this.prefixes = patterns.stream().map((pattern) -> literalPrefix(pattern.getPatternString())).toList();
	}

	/**
	 * The start of a pattern every path it matches starts with: up to its first variable
	 * or wildcard, without the slash before it ({@code /events/**} matches
	 * {@code /events}).
	 */
	private static String literalPrefix(String pattern) {
		int end = pattern.length();
		for (char special : new char[] { '{', '*', '?' }) {
			int index = pattern.indexOf(special);
			if (index >= 0) {
				end = Math.min(end, index);
			}
		}
		while (end > 0 && pattern.charAt(end - 1) == '/') {
			end--;
		}
		return pattern.substring(0, end);
	}

	/**
	 * Whether a request may be declared a subscription, looked at without allocating: its
	 * URI starts, after the context path, with the literal start of a pattern. Every
	 * request passes here; only those that may match are matched.
	 * @param requestUri the request's URI, as the container gives it
	 * @param contextPath the application's context path
	 * @return {@code false} if no pattern can match it
	 */
	boolean mayMatch(String requestUri, String contextPath) {
		for (String prefix : this.prefixes) {
			if (requestUri.startsWith(prefix, contextPath.length())) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Parses the patterns.
	 * @param patterns the patterns, as written in the property
	 * @return the paths
	 * @throws InvalidTerminatorPropertyException naming the first pattern that does not
	 * parse
	 */
	static SubscriptionPaths of(List<String> patterns) {
		List<PathPattern> parsed = new ArrayList<>();
		for (int i = 0; i < patterns.size(); i++) {
			String pattern = patterns.get(i);
			String property = PROPERTY + "[" + i + "]";
			if (pattern == null || pattern.isBlank()) {
				throw new InvalidTerminatorPropertyException(property, String.valueOf(pattern), "it is empty",
						"Set it to a path pattern such as /events/**, or remove it.");
			}
			try {
				parsed.add(PathPatternParser.defaultInstance.parse(pattern.trim()));
			}
			catch (PatternParseException ex) {
				throw new InvalidTerminatorPropertyException(property, pattern,
						"it is not a path pattern (" + ex.getMessage() + ")",
						"Write it as Spring MVC request mappings are written, such as /events/** or /feeds/{id}.");
			}
		}
		return new SubscriptionPaths(List.copyOf(parsed));
	}

	/**
	 * Whether a path is declared a subscription.
	 * @param pathWithinApplication the request path, without the context path
	 * @return whether a pattern matches it
	 */
	boolean matches(String pathWithinApplication) {
		if (this.patterns.isEmpty()) {
			return false;
		}
		PathContainer path = PathContainer.parsePath(pathWithinApplication);
		for (PathPattern pattern : this.patterns) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		return false;
	}

	boolean isEmpty() {
		return this.patterns.isEmpty();
	}

}
