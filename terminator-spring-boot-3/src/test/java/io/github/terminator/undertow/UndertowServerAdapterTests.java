package io.github.terminator.undertow;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.terminator.core.TerminationCode;
import io.github.terminator.core.TerminationPhase;
import io.github.terminator.core.TerminationResult;

import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import io.undertow.Undertow.ListenerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import org.springframework.boot.web.embedded.undertow.UndertowBuilderCustomizer;
import org.springframework.boot.web.embedded.undertow.UndertowServletWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The Undertow adapter on a real server: every listener is tracked, and closed without
 * resetting what waits in its backlog.
 */
// Alone: it looks for the drain's thread among the JVM's.
@Isolated
class UndertowServerAdapterTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void whenUserAddsAListenerThenItsConnectionsAreTrackedAndDrainedToo() throws Exception {
		try (RunningServer server = RunningServer.start(ServerSetup.named("undertow", false),
				"spring.main.sources=" + AdditionalListenerConfiguration.class.getName())) {
			server.assertIdleConnectionOnPortIsTrackedAndDrained(additionalListenerPort(server));
			assertThatExceptionOfType(ConnectException.class)
				.isThrownBy(() -> RawConnection.open(server.port(), false));
		}
	}

	/**
	 * Connections the kernel accepted while the listener's accept thread was busy, and
	 * that XNIO did not take yet, are served when the listener closes, not reset with it:
	 * their clients' connect succeeded, and they have written their requests. The close is
	 * queued behind the busy task, as it is behind the work of a loaded accept thread.
	 */
	@Test
	void whenTheListenerClosesThenConnectionsWaitingInItsBacklogAreServed() throws Exception {
		try (RunningServer server = RunningServer.start(ServerSetup.named("undertow", false),
				RunningServer.SHORT_QUIET_PERIOD)) {
			UndertowInternals.AcceptRound accept = UndertowInternals
				.acceptRound(UndertowInternals.channel(listener(server, server.port())));
			assertThat(accept).isNotNull();
			CountDownLatch busy = new CountDownLatch(1);
			CountDownLatch held = new CountDownLatch(1);
			List<RawConnection> waiting = new ArrayList<>();
			try {
				accept.thread().execute(() -> {
					held.countDown();
					block(busy);
				});
				// Queued behind what the thread is doing, which may be an accept round.
				assertThat(held.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
				waiting.addAll(server.connectWaiting(3));
				assertThat(server.registry().size()).as("connections Undertow accepted").isZero();
				CompletableFuture<TerminationResult> result = server.terminateAsync();
				await().atMost(WAIT)
					.until(() -> server.terminator().phase() == TerminationPhase.DRAINING && drainWaitsOnListener());
				busy.countDown();
				RunningServer.assertWaitingServedThenClosed(waiting, WAIT);
				assertThat(result.get(5, TimeUnit.SECONDS).code()).isEqualTo(TerminationCode.TERMINATED);
			}
			finally {
				busy.countDown();
				waiting.forEach(RawConnection::close);
			}
		}
	}

	/**
	 * Whether the drain's thread waits in the adapter's listener close, which it has
	 * queued behind the busy task.
	 */
	private static boolean drainWaitsOnListener() {
		return Thread.getAllStackTraces().entrySet().stream().anyMatch((entry) -> {
			Thread.State state = entry.getKey().getState();
			return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
					&& Arrays.stream(entry.getValue()).anyMatch((frame) -> frame.getMethodName().equals("stopAccepting"));
		});
	}

	private static void block(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static ListenerInfo listener(RunningServer server, int port) {
		UndertowServletWebServer webServer = (UndertowServletWebServer) ((ServletWebServerApplicationContext) server
			.context()).getWebServer();
		for (ListenerInfo listener : webServer.getUndertow().getListenerInfo()) {
			if (((InetSocketAddress) listener.getAddress()).getPort() == port) {
				return listener;
			}
		}
		throw new IllegalStateException("no listener on port " + port);
	}

	private static int additionalListenerPort(RunningServer server) {
		UndertowServletWebServer webServer = (UndertowServletWebServer) ((ServletWebServerApplicationContext) server
			.context()).getWebServer();
		for (ListenerInfo listener : webServer.getUndertow().getListenerInfo()) {
			int port = ((InetSocketAddress) listener.getAddress()).getPort();
			if (port != server.port()) {
				return port;
			}
		}
		throw new IllegalStateException("no additional listener");
	}

	@Configuration(proxyBeanMethods = false)
	static class AdditionalListenerConfiguration {

		@Bean
		UndertowBuilderCustomizer additionalListener() {
			return (builder) -> builder.addHttpListener(0, "127.0.0.1");
		}

	}

}
