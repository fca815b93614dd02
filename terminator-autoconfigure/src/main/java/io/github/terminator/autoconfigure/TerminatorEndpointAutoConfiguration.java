package io.github.terminator.autoconfigure;

import io.github.terminator.actuate.TerminatorEndpoint;
import io.github.terminator.core.Terminator;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} of the {@link TerminatorEndpoint}, when
 * Spring Boot Actuator is present and the endpoint is available.
 */
@AutoConfiguration(after = { TerminatorAutoConfiguration.class, InactiveTerminatorAutoConfiguration.class })
@ConditionalOnClass(Endpoint.class)
@ConditionalOnAvailableEndpoint(TerminatorEndpoint.class)
@EnableConfigurationProperties(TerminatorEndpointProperties.class)
public class TerminatorEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(Terminator.class)
	TerminatorEndpoint terminatorEndpoint(Terminator terminator, TerminatorEndpointProperties properties) {
		return new TerminatorEndpoint(terminator, properties.getShowDetails(), properties.getRoles());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(InactiveTerminatorWarning.class)
	TerminatorEndpoint inactiveTerminatorEndpoint(InactiveTerminatorWarning warning) {
		return new TerminatorEndpoint(warning.reason());
	}

}
