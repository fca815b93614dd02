package io.github.terminator.autoconfigure;

import io.github.terminator.core.Terminator;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} of the warning that terminator is not
 * active, in a web application it cannot drain: a reactive one, one on a server or a
 * Spring Boot line it does not support. The endpoint reports the same.
 */
@AutoConfiguration(after = TerminatorAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnTerminatorEnabled
@ConditionalOnMissingBean(Terminator.class)
public class InactiveTerminatorAutoConfiguration {

	@Bean
	InactiveTerminatorWarning inactiveTerminatorWarning(ApplicationContext context) {
		return new InactiveTerminatorWarning(context);
	}

}
