package io.github.terminator.autoconfigure;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.TerminationListener;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.spi.ServerAdapter;
import io.modelcontextprotocol.spec.McpServerTransportProviderBase;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.server.adapter.ForwardedHeaderTransformer;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

/**
 * {@link AutoConfiguration Auto-configuration} of terminator for web applications, servlet
 * or reactive: tracks the embedded server's connections and drains them when the
 * application stops.
 * <p>
 * What does not change with the Spring Boot line lives here; the server adapter comes
 * from the auto-configuration of the application's server on its line, which runs
 * before this one.
 */
@AutoConfiguration(after = ApplicationAvailabilityAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnTerminatorEnabled
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
	@ConditionalOnMissingBean(name = "drainStartedEventPublisher")
	TerminationListener drainStartedEventPublisher(ApplicationEventPublisher publisher, ConnectionRegistry registry) {
		return new DrainStartedEventPublisher(publisher, registry);
	}

	@Bean
	static ShutdownPhaseBudgets terminatorShutdownPhaseBudgets(Environment environment) {
		return new ShutdownPhaseBudgets(environment);
	}

	/**
	 * Spring MVC's streams are tracked, and the subscriptions among them ended when the
	 * drain starts.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = Type.SERVLET)
	@ConditionalOnClass(name = "org.springframework.web.servlet.config.annotation.WebMvcConfigurer")
	static class MvcStreamsConfiguration {

		@Bean
		DeclaredSubscriptions terminatorDeclaredSubscriptions(TerminatorProperties properties) {
			return new DeclaredSubscriptions(properties.toSubscriptionPaths());
		}

		@Bean
		MvcStreamTracking terminatorMvcStreamTracking(ConnectionRegistry registry,
				ObjectProvider<ServletSubscriptions> subscriptions) {
			return new MvcStreamTracking(registry.streams(), subscriptions.orderedStream().toList());
		}

		@Bean
		SubscriptionResponseFilter terminatorSubscriptionResponseFilter(ObjectProvider<MvcStreamTracking> tracking) {
			return new SubscriptionResponseFilter(tracking);
		}

		@Bean
		static MvcStreamReturnValues terminatorMvcStreamReturnValues(ObjectProvider<MvcStreamTracking> tracking) {
			return new MvcStreamReturnValues(tracking);
		}

		/**
		 * The session streams of Spring AI's MCP server are subscriptions out of the box.
		 */
		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(name = "io.modelcontextprotocol.spec.McpServerTransportProviderBase")
		static class McpConfiguration {

			@Bean
			McpSessionStreams terminatorMcpSessionStreams(ObjectProvider<McpServerTransportProviderBase> transports,
					Environment environment, TerminatorProperties properties) {
				return new McpSessionStreams(transports.orderedStream().toList(), environment, properties);
			}

		}

	}

	/**
	 * Spring WebFlux's streams are tracked, and the subscriptions among them ended when the
	 * drain starts.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = Type.REACTIVE)
	@ConditionalOnClass(name = "org.springframework.web.server.adapter.WebHttpHandlerBuilder")
	static class WebFluxStreamsConfiguration {

		@Bean
		WebFluxStreamTracking terminatorWebFluxStreamTracking(ConnectionRegistry registry,
				TerminatorProperties properties, BeanFactory beans) {
			return new WebFluxStreamTracking(registry.streams(), properties.toSubscriptionPaths(),
					() -> forwardedHeaderTransformer(beans));
		}

		/**
		 * The transformer {@code WebHttpHandlerBuilder.applicationContext} gives the
		 * application's handler, found as it finds it: by its name.
		 */
		private static ForwardedHeaderTransformer forwardedHeaderTransformer(BeanFactory beans) {
			try {
				return beans.getBean(WebHttpHandlerBuilder.FORWARDED_HEADER_TRANSFORMER_BEAN_NAME,
						ForwardedHeaderTransformer.class);
			}
			catch (NoSuchBeanDefinitionException ex) {
				return null;
			}
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

}
