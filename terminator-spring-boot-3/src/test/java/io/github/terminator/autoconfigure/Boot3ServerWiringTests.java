package io.github.terminator.autoconfigure;

import io.github.terminator.boot3.ReactorNettyTerminatorAutoConfiguration;
import io.github.terminator.boot3.TomcatTerminatorAutoConfiguration;
import io.github.terminator.boot3.UndertowTerminatorAutoConfiguration;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.netty.ReactorNettyServerAdapter;
import io.github.terminator.test.NoServer;
import io.github.terminator.tomcat.TomcatServerAdapter;
import io.github.terminator.undertow.UndertowServerAdapter;
import io.undertow.Undertow;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatReactiveWebServerFactory;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which server adapter terminator's wiring for Spring Boot 3.5 gives
 * {@link TerminatorAutoConfiguration}, for which server factory and class path. What does
 * not change with the line is tested in the shared suite, on every line.
 */
// In terminator's package for InactiveTerminatorWarning, which is package-private.
class Boot3ServerWiringTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(ServletWebServerFactoryAutoConfiguration.class, TomcatTerminatorAutoConfiguration.class,
					UndertowTerminatorAutoConfiguration.class, TerminatorAutoConfiguration.class));

	@Test
	void createsTerminatorForServletApplicationOnTomcat() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(TomcatServerAdapter.class)
			.hasBean("tomcatTerminatorCustomizer")
			.hasSingleBean(Terminator.class));
	}

	@Test
	void createsTerminatorForReactiveApplicationOnReactorNetty() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TomcatTerminatorAutoConfiguration.class,
					ReactorNettyTerminatorAutoConfiguration.class, TerminatorAutoConfiguration.class))
			.withBean(NettyReactiveWebServerFactory.class)
			.run((context) -> assertThat(context).hasSingleBean(ReactorNettyServerAdapter.class)
				.hasBean("reactorNettyTerminatorTracking")
				.doesNotHaveBean(TomcatServerAdapter.class)
				.hasSingleBean(Terminator.class));
	}

	@Test
	void backsOffInReactiveWebApplicationOnAnotherServer() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TomcatTerminatorAutoConfiguration.class,
					UndertowTerminatorAutoConfiguration.class, ReactorNettyTerminatorAutoConfiguration.class,
					TerminatorAutoConfiguration.class))
			.withBean(TomcatReactiveWebServerFactory.class)
			.run((context) -> assertThat(context).doesNotHaveBean(ServerAdapter.class)
				.doesNotHaveBean(Terminator.class)
				.doesNotHaveBean(TerminatorLifecycle.class));
	}

	@Test
	void createsTerminatorForServletApplicationOnUndertow() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Tomcat.class, org.eclipse.jetty.server.Server.class))
			.run((context) -> assertThat(context).hasSingleBean(UndertowServerAdapter.class)
				.hasBean("undertowTerminatorCustomizer")
				.doesNotHaveBean(TomcatServerAdapter.class)
				.doesNotHaveBean("tomcatTerminatorCustomizer")
				.hasSingleBean(Terminator.class)
				.hasSingleBean(TerminatorLifecycle.class));
	}

	@Test
	void whenBothServersAreOnTheClassPathThenTheAdapterFollowsTheServerFactory() {
		this.contextRunner.withUserConfiguration(UndertowFactoryConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(UndertowServerAdapter.class)
				.doesNotHaveBean(TomcatServerAdapter.class)
				.doesNotHaveBean("tomcatTerminatorCustomizer")
				.hasSingleBean(Terminator.class));
	}

	@Test
	void backsOffWhenNoSupportedServerIsOnTheClasspath() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Tomcat.class, Undertow.class))
			.withConfiguration(AutoConfigurations.of(InactiveTerminatorAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(ServerAdapter.class)
				.doesNotHaveBean("tomcatTerminatorCustomizer")
				.doesNotHaveBean("undertowTerminatorCustomizer")
				.doesNotHaveBean(Terminator.class)
				.doesNotHaveBean(TerminatorLifecycle.class)
				.hasSingleBean(InactiveTerminatorWarning.class));
	}

	@Test
	void allowsCustomServerAdapterToBeUsed() {
		this.contextRunner.withBean("customServerAdapter", ServerAdapter.class, NoServer::adapter)
			.run((context) -> assertThat(context).hasSingleBean(ServerAdapter.class)
				.hasBean("customServerAdapter")
				.doesNotHaveBean(TomcatServerAdapter.class)
				.doesNotHaveBean("tomcatTerminatorCustomizer")
				.hasSingleBean(Terminator.class)
				.hasSingleBean(TerminatorLifecycle.class));
	}

	@Test
	void allowsCustomTomcatServerAdapterToBeUsed() {
		this.contextRunner.withUserConfiguration(CustomTomcatServerAdapterConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ServerAdapter.class)
				.hasBean("customTomcatServerAdapter")
				.hasBean("tomcatTerminatorCustomizer");
			assertThat(context.getBean("tomcatTerminatorCustomizer")).extracting("adapter")
				.isSameAs(context.getBean("customTomcatServerAdapter"));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UndertowFactoryConfiguration {

		@Bean
		UndertowServletWebServerFactory undertowServletWebServerFactory() {
			return new UndertowServletWebServerFactory();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomTomcatServerAdapterConfiguration {

		@Bean
		TomcatServerAdapter customTomcatServerAdapter(ConnectionRegistry registry) {
			return new TomcatServerAdapter(registry);
		}

	}

}
