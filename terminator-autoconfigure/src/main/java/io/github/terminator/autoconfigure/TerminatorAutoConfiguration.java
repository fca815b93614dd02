package io.github.terminator.autoconfigure;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.ServerAdapter;
import io.github.terminator.core.TerminationListener;
import io.github.terminator.core.Terminator;
import io.github.terminator.tomcat.TomcatServerAdapter;
import io.github.terminator.undertow.UndertowServerAdapter;
import io.undertow.Undertow;

import org.apache.catalina.Engine;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServer;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServerFactory;
import org.springframework.boot.web.servlet.context.ServletWebServerInitializedEvent;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * {@link AutoConfiguration Auto-configuration} of terminator for servlet web applications:
 * tracks the embedded server's connections and drains them when the application stops.
 */
@AutoConfiguration(after = { ServletWebServerFactoryAutoConfiguration.class,
		ApplicationAvailabilityAutoConfiguration.class })
@ConditionalOnWebApplication(type = Type.SERVLET)
@Conditional(OnTerminatorEnabledCondition.class)
@EnableConfigurationProperties(TerminatorProperties.class)
public class TerminatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ConnectionRegistry terminatorConnectionRegistry() {
		return new ConnectionRegistry();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(ServerAdapter.class)
	Terminator terminator(ConnectionRegistry registry, ServerAdapter server, TerminatorProperties properties,
			ObjectProvider<TerminationListener> listeners) {
		return new Terminator(registry, server, properties.toSettings(), listeners.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(Terminator.class)
	TerminatorLifecycle terminatorLifecycle(Terminator terminator) {
		return new TerminatorLifecycle(terminator);
	}

	@Bean
	@ConditionalOnMissingBean(name = "terminationLogger")
	TerminationListener terminationLogger() {
		return new TerminationLogger();
	}

	@Bean
	static ShutdownPhaseBudgets terminatorShutdownPhaseBudgets(Environment environment) {
		return new ShutdownPhaseBudgets(environment);
	}

	/**
	 * Terminator on Tomcat, when the application runs on it: the condition on the factory,
	 * not only on the class, lets an application that has both servers on its class path
	 * pick one.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ Tomcat.class, TomcatServletWebServerFactory.class })
	@ConditionalOnBean(TomcatServletWebServerFactory.class)
	static class TomcatConfiguration {

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

	}

	/**
	 * Terminator on Undertow, when the application runs on it.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ Undertow.class, UndertowServletWebServerFactory.class })
	@ConditionalOnBean(UndertowServletWebServerFactory.class)
	static class UndertowConfiguration {

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

	}

	/**
	 * Readiness goes down when a termination starts, however it was started.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(ApplicationAvailability.class)
	static class ReadinessConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ReadinessTerminationListener readinessTerminationListener(ApplicationAvailability availability,
				ApplicationEventPublisher publisher) {
			return new ReadinessTerminationListener(availability, publisher);
		}

	}

	/**
	 * Tracks every connector of the server, the main one and those added with
	 * {@code addAdditionalTomcatConnectors}: a context customizer runs once they are all
	 * added to the service and before any of them starts.
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
			factory.addContextCustomizers((context) -> {
				if (context instanceof StandardContext standard) {
					// Tomcat stops after the termination: a request still in a servlet then
					// was cut, and waiting for it would only keep the shutdown past its
					// max-wait.
					standard.setUnloadDelay(0);
				}
				Engine engine = (Engine) context.getParent().getParent();
				for (Connector connector : engine.getService().findConnectors()) {
					this.adapter.track(connector);
				}
			});
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

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
