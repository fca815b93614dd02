package io.github.terminator.boot3;

import io.github.terminator.autoconfigure.ConditionalOnTerminatorEnabled;
import io.github.terminator.autoconfigure.TerminatorAutoConfiguration;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.tomcat.TomcatServerAdapter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;

/**
 * {@link AutoConfiguration Auto-configuration} of terminator on Tomcat, on Spring Boot
 * 3.5. Spring Boot's classes are named, not referenced, on the class: on another line they
 * are absent and this configuration is skipped without being loaded.
 */
@AutoConfiguration(before = TerminatorAutoConfiguration.class,
		afterName = "org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration")
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnTerminatorEnabled
@ConditionalOnClass(name = { "org.apache.catalina.startup.Tomcat",
		"org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory" })
// On the factory, not only the class: an application with two servers on its class path
// runs on the one whose factory it has.
@ConditionalOnBean(type = "org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory")
public final class TomcatTerminatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(ServerAdapter.class)
	TomcatServerAdapter tomcatServerAdapter(ConnectionRegistry registry) {
		return new TomcatServerAdapter(registry);
	}

	@Bean
	@ConditionalOnBean(TomcatServerAdapter.class)
	TomcatTerminatorCustomizer tomcatTerminatorCustomizer(TomcatServerAdapter adapter) {
		return new TomcatTerminatorCustomizer(adapter);
	}

	/**
	 * Puts the adapter's valve on the engine, and lets it track every connector once they
	 * are all added and before any of them starts.
	 */
	static final class TomcatTerminatorCustomizer
			implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

		private final TomcatServerAdapter adapter;

		TomcatTerminatorCustomizer(TomcatServerAdapter adapter) {
			this.adapter = adapter;
		}

		@Override
		public void customize(TomcatServletWebServerFactory factory) {
			factory.addEngineValves(this.adapter.valve());
			factory.addContextCustomizers(this.adapter::prepare);
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
