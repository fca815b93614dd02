package io.github.terminator.netty;

import org.junit.jupiter.api.Test;
import reactor.netty.http.HttpProtocol;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the adapter says at start-up of a server it cannot fully drain.
 */
class ReactorNettyServerAdapterTests {

	@Test
	void aServerOfHttp11OnlyGetsNoWarning() {
		assertThat(ReactorNettyServerAdapter.http2Warning(HttpProtocol.HTTP11)).isNull();
	}

	@Test
	void aServerWithH2OverTlsIsToldItsH2ConnectionsAreNotDrained() {
		assertThat(ReactorNettyServerAdapter.http2Warning(HttpProtocol.H2, HttpProtocol.HTTP11))
			.contains("connections that negotiate h2 are left to terminator.graceful-timeout")
			.contains("HTTP/1.1 are drained");
	}

	@Test
	void aServerWithH2cIsToldNoConnectionIsDrained() {
		assertThat(ReactorNettyServerAdapter.http2Warning(HttpProtocol.H2C, HttpProtocol.HTTP11))
			.contains("every connection is left to terminator.graceful-timeout");
	}

}
