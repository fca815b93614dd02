package io.github.terminator.autoconfigure;

import java.util.Set;

import io.github.terminator.actuate.TerminatorEndpoint;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.test.NoServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpointDiscoverer;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TerminatorEndpointAutoConfiguration}. The server adapter, which the
 * wiring of the application's server on its line provides, is a stand-in: the endpoint's
 * wiring does not change with the line or the server.
 */
class TerminatorEndpointAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TerminatorAutoConfiguration.class,
				TerminatorEndpointAutoConfiguration.class, EndpointAutoConfiguration.class,
				WebEndpointAutoConfiguration.class))
		.withBean(ServerAdapter.class, NoServer::adapter);

	@Test
	void endpointIsAvailableWhenExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=terminator")
			.run((context) -> {
				assertThat(context).hasSingleBean(TerminatorEndpoint.class);
				assertThat(context.getBean(WebEndpointDiscoverer.class).getEndpoints())
					.anySatisfy((endpoint) -> assertThat(endpoint.getEndpointId().toString()).isEqualTo("terminator"));
			});
	}

	@Test
	void backsOffWhenEndpointIsNotExposed() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(TerminatorEndpoint.class));
	}

	@Test
	void backsOffWhenEndpointAccessIsNone() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=terminator",
					"management.endpoint.terminator.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(TerminatorEndpoint.class));
	}

	@Test
	void backsOffWithoutActuator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.withPropertyValues("management.endpoints.web.exposure.include=terminator")
			.run((context) -> {
				assertThat(context).hasSingleBean(Terminator.class);
				assertThat(context).doesNotHaveBean(TerminatorEndpoint.class);
				assertThat(context).doesNotHaveBean(TerminatorEndpointProperties.class);
			});
	}

	@Test
	void backsOffWhenTerminatorIsDisabled() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=terminator", "terminator.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TerminatorEndpoint.class));
	}

	@Test
	void detailsAreNeverShownByDefault() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=terminator")
			.run((context) -> {
				TerminatorEndpointProperties properties = context.getBean(TerminatorEndpointProperties.class);
				assertThat(properties.getShowDetails()).isEqualTo(Show.NEVER);
				assertThat(properties.getRoles()).isEmpty();
			});
	}

	@Test
	void detailsAndRolesAreConfigurable() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=terminator",
					"management.endpoint.terminator.show-details=when-authorized",
					"management.endpoint.terminator.roles=OPS,ADMIN")
			.run((context) -> {
				TerminatorEndpointProperties properties = context.getBean(TerminatorEndpointProperties.class);
				assertThat(properties.getShowDetails()).isEqualTo(Show.WHEN_AUTHORIZED);
				assertThat(properties.getRoles()).containsExactlyInAnyOrder("OPS", "ADMIN");
			});
	}

	@Test
	void allowsCustomEndpointToBeUsed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=terminator")
			.withUserConfiguration(CustomEndpointConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(TerminatorEndpoint.class);
				assertThat(context).getBean(TerminatorEndpoint.class).isSameAs(context.getBean("customEndpoint"));
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomEndpointConfiguration {

		@Bean
		TerminatorEndpoint customEndpoint(Terminator terminator) {
			return new TerminatorEndpoint(terminator, Show.ALWAYS, Set.of());
		}

	}

}
