package io.github.terminator.boot3;

import io.github.terminator.autoconfigure.ConditionalOnTerminatorEnabled;
import io.github.terminator.autoconfigure.TerminatorAutoConfiguration;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.undertow.UndertowServerAdapter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServer;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.context.ServletWebServerInitializedEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;

/**
 * {@link AutoConfiguration Auto-configuration} of terminator on Undertow, on Spring Boot
 * 3.5 (Spring Boot 4 has no Undertow).
 */
@AutoConfiguration(before = TerminatorAutoConfiguration.class,
		afterName = "org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration")
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnTerminatorEnabled
@ConditionalOnClass(name = { "io.undertow.Undertow",
		"org.springframework.boot.web.embedded.undertow.UndertowServletWebServerFactory" })
@ConditionalOnBean(type = "org.springframework.boot.web.embedded.undertow.UndertowServletWebServerFactory")
public final class UndertowTerminatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(ServerAdapter.class)
	UndertowServerAdapter undertowServerAdapter(ConnectionRegistry registry) {
		return new UndertowServerAdapter(registry);
	}

	@Bean
	@ConditionalOnBean(UndertowServerAdapter.class)
	UndertowTerminatorCustomizer undertowTerminatorCustomizer(UndertowServerAdapter adapter,
			ApplicationContext context) {
		return new UndertowTerminatorCustomizer(adapter, context);
	}

	/**
	 * Puts the adapter's handler in the deployment's handler chain, and tracks the server
	 * once it has started: Undertow creates its listeners only then. A management server on
	 * its own port, in a child context, is left alone.
	 */
	static final class UndertowTerminatorCustomizer implements WebServerFactoryCustomizer<UndertowServletWebServerFactory>,
			ApplicationListener<ServletWebServerInitializedEvent>, Ordered {

		private final UndertowServerAdapter adapter;

		private final ApplicationContext context;

		UndertowTerminatorCustomizer(UndertowServerAdapter adapter, ApplicationContext context) {
			this.adapter = adapter;
			this.context = context;
		}

		@Override
		public void customize(UndertowServletWebServerFactory factory) {
			factory.addDeploymentInfoCustomizers(
					(deployment) -> deployment.addInitialHandlerChainWrapper(this.adapter.handlerWrapper()));
		}

		@Override
		public void onApplicationEvent(ServletWebServerInitializedEvent event) {
			if (event.getApplicationContext() == this.context
					&& event.getWebServer() instanceof UndertowServletWebServer server) {
				this.adapter.track(server.getUndertow());
			}
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
