package io.github.terminator.autoconfigure;

import java.util.HashSet;
import java.util.Set;

import io.github.terminator.actuate.TerminatorEndpoint;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the {@link TerminatorEndpoint}, under
 * {@code management.endpoint.terminator.*}.
 */
@ConfigurationProperties("management.endpoint.terminator")
public class TerminatorEndpointProperties {

	/**
	 * When to show the open connections, with their client addresses and request paths.
	 * These are personal data: show them only to those who may see them.
	 */
	private Show showDetails = Show.NEVER;

	/**
	 * Roles used to determine whether a user is authorized to be shown the open
	 * connections. When empty, all authenticated users are authorized.
	 */
	private final Set<String> roles = new HashSet<>();

	/**
	 * When to show the open connections, which name client addresses and request paths.
	 * @return when to show details
	 */
	public Show getShowDetails() {
		return this.showDetails;
	}

	/**
	 * Sets when to show the open connections.
	 * @param showDetails when to show details
	 */
	public void setShowDetails(Show showDetails) {
		this.showDetails = showDetails;
	}

	/**
	 * Roles used to decide whether a user is authorized to see the details.
	 * @return the roles
	 */
	public Set<String> getRoles() {
		return this.roles;
	}

}
