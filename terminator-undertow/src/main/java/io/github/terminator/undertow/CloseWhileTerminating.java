package io.github.terminator.undertow;

import io.github.terminator.core.spi.Connections;
import io.undertow.server.ConduitWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.ConduitFactory;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Decides, just before a response is committed, whether its connection is closed after
 * it: Undertow then says {@code Connection: close} and closes the connection once the
 * response is complete. A switch of protocol is left alone.
 * <p>
 * Such a response, when its length is not known, stays chunked: Undertow would otherwise
 * delimit it by the end of the connection, and a response cut at the graceful timeout
 * would end the way its real end would, a clean end its client would take for the whole
 * answer. Chunked, the client sees that the last chunk never came.
 */
final class CloseWhileTerminating implements ConduitWrapper<StreamSinkConduit> {

	private final Connections registry;

	CloseWhileTerminating(Connections registry) {
		this.registry = registry;
	}

	@Override
	public StreamSinkConduit wrap(ConduitFactory<StreamSinkConduit> factory, HttpServerExchange exchange) {
		if (this.registry.isClosingConnections() && !exchange.isUpgrade()) {
			exchange.setPersistent(false);
			if (hasBodyOfUnknownLength(exchange)) {
				exchange.getResponseHeaders().put(Headers.TRANSFER_ENCODING, Headers.CHUNKED.toString());
			}
		}
		return factory.create();
	}

	private static boolean hasBodyOfUnknownLength(HttpServerExchange exchange) {
		int status = exchange.getStatusCode();
		HeaderMap headers = exchange.getResponseHeaders();
		return exchange.isHttp11() && !Methods.HEAD.equals(exchange.getRequestMethod()) && status >= 200
				&& status != 204 && status != 304 && !headers.contains(Headers.CONTENT_LENGTH)
				&& !headers.contains(Headers.TRANSFER_ENCODING);
	}

}
