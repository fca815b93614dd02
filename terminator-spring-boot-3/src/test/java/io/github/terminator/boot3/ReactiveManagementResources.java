package io.github.terminator.boot3;

import java.time.Duration;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The event loops of a reactive test application's management server on its own port:
 * its own, like the main server's ({@link Boot3TestServers}). Spring Boot creates that
 * server's factory without its loop resources, so it runs on the JVM's global ones, which
 * the first application of the test JVM to stop with a management port of its own would
 * shut down under all the others.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass(name = "reactor.netty.http.server.HttpServer")
public class ReactiveManagementResources {

	@Bean
	ReactorResourceFactory managementReactorResourceFactory() {
		ReactorResourceFactory resources = new ReactorResourceFactory();
		resources.setUseGlobalResources(false);
		resources.setShutdownQuietPeriod(Duration.ofMillis(100));
		return resources;
	}

	@Bean
	WebServerFactoryCustomizer<NettyReactiveWebServerFactory> managementLoopResources(
			ReactorResourceFactory managementReactorResourceFactory) {
		return (factory) -> factory.setResourceFactory(managementReactorResourceFactory);
	}

}
