package io.github.terminator.undertow;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import io.undertow.Undertow;
import io.undertow.Undertow.ListenerInfo;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.server.protocol.http.HttpServerConnection;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fails loudly when an Undertow upgrade moves one of the non-public members terminator
 * relies on.
 */
class UndertowInternalsTests {

	@Test
	void reachesTheOpenListenerAndTheAcceptingChannelOfAListener() throws Exception {
		Undertow undertow = startedServer();
		try {
			ListenerInfo listener = undertow.getListenerInfo().get(0);
			assertThat(UndertowInternals.openListener(listener)).isInstanceOf(HttpOpenListener.class);
			assertThat(UndertowInternals.channel(listener).isOpen()).isTrue();
			assertThat(UndertowInternals.channel(listener).getLocalAddress(InetSocketAddress.class))
				.isEqualTo(listener.getAddress());
			UndertowInternals.AcceptRound accept = UndertowInternals.acceptRound(UndertowInternals.channel(listener));
			assertThat(accept).as("the accept thread and round of XNIO's NIO listener").isNotNull();
			assertThat(accept.thread()).isNotNull();
		}
		finally {
			undertow.stop();
		}
	}

	@Test
	void reachesTheSocketOfAPlainConnection() throws Exception {
		Undertow undertow = startedServer();
		try (Socket client = new Socket()) {
			ListenerInfo listener = undertow.getListenerInfo().get(0);
			client.connect(listener.getAddress());
			client.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(new String(client.getInputStream().readNBytes(15), StandardCharsets.US_ASCII))
				.isEqualTo("HTTP/1.1 200 OK");
			HttpOpenListener open = (HttpOpenListener) UndertowInternals.openListener(listener);
			HttpServerConnection connection = UndertowInternals.connections(open).iterator().next();
			SocketChannel socket = UndertowInternals.socketChannel(connection.getChannel());
			assertThat(socket).as("the socket of XNIO's NIO connection").isNotNull();
			assertThat(socket.isOpen()).isTrue();
			assertThat(((InetSocketAddress) socket.getRemoteAddress()).getPort()).isEqualTo(client.getLocalPort());
		}
		finally {
			undertow.stop();
		}
	}

	private static Undertow startedServer() {
		Undertow undertow = Undertow.builder()
			.addHttpListener(0, "127.0.0.1")
			.setHandler((exchange) -> exchange.getResponseSender().send("ok"))
			.build();
		undertow.start();
		return undertow;
	}

	@Test
	void replacesTheConnectionSetOfAnOpenListener() {
		HttpOpenListener listener = new HttpOpenListener(new DefaultByteBufferPool(false, 1024));
		Set<HttpServerConnection> replacement = new HashSet<>();
		Set<?>[] seen = new Set<?>[1];
		UndertowInternals.replaceConnections(listener, (existing) -> {
			seen[0] = existing;
			return replacement;
		});
		assertThat(seen[0]).isNotNull();
		assertThat(seen[0]).isEmpty();
		assertThat(seen[0]).isNotSameAs(replacement);
		assertThat(UndertowInternals.connections(listener)).isSameAs(replacement);
	}

}
