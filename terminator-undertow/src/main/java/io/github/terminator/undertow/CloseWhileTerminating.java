package io.github.terminator.undertow;

import io.github.terminator.core.ConnectionRegistry;
import io.undertow.server.ConduitWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.ConduitFactory;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Decides, just before a response is committed, whether its connection is closed after
 * it: Undertow then says {@code Connection: close} and closes the connection once the
 * response is complete. A switch of protocol is left alone.
 */
final class CloseWhileTerminating implements ConduitWrapper<StreamSinkConduit> {

	private final ConnectionRegistry registry;

	CloseWhileTerminating(ConnectionRegistry registry) {
		this.registry = registry;
	}

	@Override
	public StreamSinkConduit wrap(ConduitFactory<StreamSinkConduit> factory, HttpServerExchange exchange) {
		if (this.registry.isClosingConnections() && !exchange.isUpgrade()) {
			exchange.setPersistent(false);
		}
		return factory.create();
	}

}
