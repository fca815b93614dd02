package io.github.terminator.boot3;

import io.github.terminator.autoconfigure.ConditionalOnTerminatorEnabled;
import io.github.terminator.autoconfigure.TerminatorAutoConfiguration;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.jetty.JettyServerAdapter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;

/**
 * {@link AutoConfiguration Auto-configuration} of terminator on Jetty 12.0, on Spring Boot
 * 3.5. Spring Boot's classes are named, not referenced, on the class: on another line they
 * are absent and this configuration is skipped without being loaded.
 */
@AutoConfiguration(before = TerminatorAutoConfiguration.class,
		afterName = "org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration")
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnTerminatorEnabled
@ConditionalOnClass(name = { "org.eclipse.jetty.server.Server",
		"org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory" })
// On the factory, not only the class: an application with two servers on its class path
// runs on the one whose factory it has.
@ConditionalOnBean(type = "org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory")
public final class JettyTerminatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(ServerAdapter.class)
	JettyServerAdapter jettyServerAdapter(ConnectionRegistry registry) {
		return new JettyServerAdapter(registry);
	}

	@Bean
	@ConditionalOnBean(JettyServerAdapter.class)
	JettyTerminatorCustomizer jettyTerminatorCustomizer(JettyServerAdapter adapter) {
		return new JettyTerminatorCustomizer(adapter);
	}

	/**
	 * Lets the adapter track the server once every other server customizer has run (the
	 * SSL connector is in place by then) and before it starts. A customizer added here,
	 * rather than a {@code JettyServerCustomizer} bean, also reaches a factory the
	 * application defines itself.
	 */
	static final class JettyTerminatorCustomizer
			implements WebServerFactoryCustomizer<JettyServletWebServerFactory>, Ordered {

		private final JettyServerAdapter adapter;

		JettyTerminatorCustomizer(JettyServerAdapter adapter) {
			this.adapter = adapter;
		}

		@Override
		public void customize(JettyServletWebServerFactory factory) {
			factory.addServerCustomizers(this.adapter::track);
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
