package io.github.terminator.tomcat;

import java.util.Map;

import org.apache.coyote.ActionHook;
import org.apache.coyote.Response;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SocketBufferHandler;
import org.apache.tomcat.websocket.server.WsHttpUpgradeHandler;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Fails loudly when a Tomcat upgrade moves one of the non-public members terminator
 * relies on.
 */
class TomcatInternalsTests {

	@Test
	void reachesTheEndpointOfAProtocol() {
		Http11NioProtocol protocol = new Http11NioProtocol();
		assertThat(TomcatInternals.endpoint(protocol)).isInstanceOf(NioEndpoint.class);
	}

	@Test
	@SuppressWarnings({ "rawtypes", "unchecked" })
	void replacesTheConnectionsMapOfAnEndpoint() {
		AbstractEndpoint<?, ?> endpoint = TomcatInternals.endpoint(new Http11NioProtocol());
		Map[] seen = new Map[1];
		TomcatInternals.replaceConnections(endpoint, (existing) -> {
			seen[0] = existing;
			return new java.util.concurrent.ConcurrentHashMap(Map.of("marker", "value"));
		});
		assertThat(seen[0]).isNotNull().isEmpty();
		TomcatInternals.replaceConnections(endpoint, (existing) -> {
			assertThat(existing).containsEntry("marker", "value");
			return existing;
		});
	}

	@Test
	void wakesTheThreadsWaitingOnTheIoLocksOfAConnection() {
		NioEndpoint.NioSocketWrapper wrapper = new NioEndpoint.NioSocketWrapper(
				new NioChannel(new SocketBufferHandler(16, 16, false)), new NioEndpoint());
		assertThatNoException().isThrownBy(() -> TomcatInternals.wakeBlockedIo(wrapper));
	}

	@Test
	void readsAndReplacesTheActionHookOfAResponse() {
		Response response = new Response();
		ActionHook hook = (code, param) -> {
		};
		TomcatInternals.setHook(response, hook);
		assertThat(TomcatInternals.hook(response)).isSameAs(hook);
	}

	@Test
	void tellsHttp2FromOtherUpgradeHandlers() {
		assertThat(TomcatInternals.isHttp2(new WsHttpUpgradeHandler())).isFalse();
		assertThat(TomcatInternals.isHttp2(null)).isFalse();
	}

	@Test
	void reachesTheSessionOfAWebSocketUpgradeHandler() {
		WsHttpUpgradeHandler handler = new WsHttpUpgradeHandler();
		assertThat(TomcatWebSocketInternals.isWebSocket(handler)).isTrue();
		// Not initialised: it has no session yet.
		assertThat(TomcatWebSocketInternals.closeGoingAway(handler)).isFalse();
	}

}
