package io.github.terminator.autoconfigure;

import io.github.terminator.boot4.JettyTerminatorAutoConfiguration;
import io.github.terminator.boot4.ReactorNettyTerminatorAutoConfiguration;
import io.github.terminator.boot4.TomcatTerminatorAutoConfiguration;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.Terminator;
import io.github.terminator.core.spi.ServerAdapter;
import io.github.terminator.jetty.JettyServerAdapter;
import io.github.terminator.netty.ReactorNettyServerAdapter;
import io.github.terminator.test.NoServer;
import io.github.terminator.tomcat.TomcatServerAdapter;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.tomcat.reactive.TomcatReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which server adapter terminator's wiring for Spring Boot 4 gives
 * {@link TerminatorAutoConfiguration}, for which server factory and class path. What does
 * not change with the line is tested in the shared suite, on every line.
 */
// In terminator's package for InactiveTerminatorWarning, which is package-private.
class Boot4ServerWiringTests {

	private static final AutoConfigurations TERMINATOR = AutoConfigurations.of(
			TomcatTerminatorAutoConfiguration.class, JettyTerminatorAutoConfiguration.class,
			ReactorNettyTerminatorAutoConfiguration.class, TerminatorAutoConfiguration.class);

	private final WebApplicationContextRunner tomcat = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TomcatServletWebServerAutoConfiguration.class))
		.withConfiguration(TERMINATOR);

	@Test
	void createsTerminatorForServletApplicationOnTomcat() {
		this.tomcat.run((context) -> assertThat(context).hasSingleBean(TomcatServerAdapter.class)
			.hasBean("tomcatTerminatorCustomizer")
			.doesNotHaveBean(JettyServerAdapter.class)
			.hasSingleBean(Terminator.class)
			.hasSingleBean(TerminatorLifecycle.class));
	}

	@Test
	void createsTerminatorForServletApplicationOnJetty() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(JettyServletWebServerAutoConfiguration.class))
			.withConfiguration(TERMINATOR)
			.withClassLoader(new FilteredClassLoader(Tomcat.class))
			.run((context) -> assertThat(context).hasSingleBean(JettyServerAdapter.class)
				.hasBean("jettyTerminatorCustomizer")
				.doesNotHaveBean(TomcatServerAdapter.class)
				.doesNotHaveBean("tomcatTerminatorCustomizer")
				.hasSingleBean(Terminator.class)
				.hasSingleBean(TerminatorLifecycle.class));
	}

	@Test
	void whenBothServersAreOnTheClassPathThenTheAdapterFollowsTheServerFactory() {
		this.tomcat.withUserConfiguration(JettyFactoryConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(JettyServerAdapter.class)
				.doesNotHaveBean(TomcatServerAdapter.class)
				.doesNotHaveBean("tomcatTerminatorCustomizer")
				.hasSingleBean(Terminator.class));
	}

	@Test
	void createsTerminatorForReactiveApplicationOnReactorNetty() {
		new ReactiveWebApplicationContextRunner().withConfiguration(TERMINATOR)
			.withBean(NettyReactiveWebServerFactory.class)
			.run((context) -> assertThat(context).hasSingleBean(ReactorNettyServerAdapter.class)
				.hasBean("reactorNettyTerminatorTracking")
				.doesNotHaveBean(TomcatServerAdapter.class)
				.doesNotHaveBean(JettyServerAdapter.class)
				.hasSingleBean(Terminator.class));
	}

	@Test
	void backsOffInReactiveWebApplicationOnAnotherServer() {
		new ReactiveWebApplicationContextRunner().withConfiguration(TERMINATOR)
			.withBean(TomcatReactiveWebServerFactory.class)
			.run((context) -> assertThat(context).doesNotHaveBean(ServerAdapter.class)
				.doesNotHaveBean(Terminator.class)
				.doesNotHaveBean(TerminatorLifecycle.class));
	}

	@Test
	void backsOffWhenNoSupportedServerIsOnTheClasspath() {
		new WebApplicationContextRunner().withConfiguration(TERMINATOR)
			.withConfiguration(AutoConfigurations.of(InactiveTerminatorAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader(Tomcat.class, org.eclipse.jetty.server.Server.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(ServerAdapter.class)
				.doesNotHaveBean("tomcatTerminatorCustomizer")
				.doesNotHaveBean("jettyTerminatorCustomizer")
				.doesNotHaveBean(Terminator.class)
				.doesNotHaveBean(TerminatorLifecycle.class)
				.hasSingleBean(InactiveTerminatorWarning.class));
	}

	@Test
	void allowsCustomServerAdapterToBeUsed() {
		this.tomcat.withBean("customServerAdapter", ServerAdapter.class, NoServer::adapter)
			.run((context) -> assertThat(context).hasSingleBean(ServerAdapter.class)
				.hasBean("customServerAdapter")
				.doesNotHaveBean(TomcatServerAdapter.class)
				.doesNotHaveBean("tomcatTerminatorCustomizer")
				.hasSingleBean(Terminator.class)
				.hasSingleBean(TerminatorLifecycle.class));
	}

	@Test
	void allowsCustomTomcatServerAdapterToBeUsed() {
		this.tomcat.withUserConfiguration(CustomTomcatServerAdapterConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ServerAdapter.class)
				.hasBean("customTomcatServerAdapter")
				.hasBean("tomcatTerminatorCustomizer");
			assertThat(context.getBean("tomcatTerminatorCustomizer")).extracting("adapter")
				.isSameAs(context.getBean("customTomcatServerAdapter"));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class JettyFactoryConfiguration {

		@Bean
		JettyServletWebServerFactory jettyServletWebServerFactory() {
			return new JettyServletWebServerFactory();
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
