package io.github.terminator.boot3;

import io.github.terminator.autoconfigure.ConditionalOnTerminatorEnabled;
import io.github.terminator.autoconfigure.ReactorLoopsQuietPeriod;
import io.github.terminator.autoconfigure.TerminatorAutoConfiguration;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.netty.ReactorNettyServerAdapter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * {@link AutoConfiguration Auto-configuration} of terminator on Reactor Netty, the server
 * of Spring WebFlux, on Spring Boot 3.5. Spring Boot's classes are named, not referenced,
 * on the class: on another line they are absent and this configuration is skipped without
 * being loaded.
 */
@AutoConfiguration(before = TerminatorAutoConfiguration.class,
		afterName = "org.springframework.boot.autoconfigure.web.reactive.ReactiveWebServerFactoryAutoConfiguration")
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnTerminatorEnabled
@ConditionalOnClass(name = { "reactor.netty.http.server.HttpServer",
		"org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory" })
@ConditionalOnBean(type = "org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory")
public final class ReactorNettyTerminatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(ServerAdapter.class)
	ReactorNettyServerAdapter reactorNettyServerAdapter(ConnectionRegistry registry) {
		return new ReactorNettyServerAdapter(registry);
	}

	@Bean
	static ReactorLoopsQuietPeriod terminatorReactorLoopsQuietPeriod(Environment environment) {
		return new ReactorLoopsQuietPeriod(environment);
	}

	@Bean
	@ConditionalOnBean(ReactorNettyServerAdapter.class)
	static ReactorNettyTracking reactorNettyTerminatorTracking(ObjectProvider<ReactorNettyServerAdapter> adapter) {
		return new ReactorNettyTracking(adapter);
	}

	/**
	 * Lets the adapter track the server's connections and listener. A post-processor of
	 * this context's server factory, not a {@code WebServerFactoryCustomizer}: Spring Boot
	 * applies the application's customizers to the factory of a management server on its
	 * own port too, which must be left alone.
	 */
	static final class ReactorNettyTracking implements BeanPostProcessor {

		private final ObjectProvider<ReactorNettyServerAdapter> adapter;

		ReactorNettyTracking(ObjectProvider<ReactorNettyServerAdapter> adapter) {
			this.adapter = adapter;
		}

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (bean instanceof NettyReactiveWebServerFactory factory) {
				factory.addServerCustomizers(this.adapter.getObject()::customize);
			}
			return bean;
		}

	}

}
