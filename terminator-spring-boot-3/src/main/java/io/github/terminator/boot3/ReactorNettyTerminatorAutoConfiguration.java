package io.github.terminator.boot3;

import io.github.terminator.autoconfigure.ConditionalOnTerminatorEnabled;
import io.github.terminator.autoconfigure.TerminatorAutoConfiguration;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.netty.ReactorNettyServerAdapter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;

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
	@ConditionalOnBean(ReactorNettyServerAdapter.class)
	ReactorNettyTerminatorCustomizer reactorNettyTerminatorCustomizer(ReactorNettyServerAdapter adapter) {
		return new ReactorNettyTerminatorCustomizer(adapter);
	}

	/**
	 * Lets the adapter track the server's connections and listener, after every other
	 * customizer has shaped its pipeline.
	 */
	static final class ReactorNettyTerminatorCustomizer
			implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

		private final ReactorNettyServerAdapter adapter;

		ReactorNettyTerminatorCustomizer(ReactorNettyServerAdapter adapter) {
			this.adapter = adapter;
		}

		@Override
		public void customize(NettyReactiveWebServerFactory factory) {
			factory.addServerCustomizers(this.adapter::customize);
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
