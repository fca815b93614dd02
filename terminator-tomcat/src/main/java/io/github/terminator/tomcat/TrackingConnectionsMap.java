package io.github.terminator.tomcat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Stands in for an endpoint's map of open connections: the endpoint puts a connection in
 * it right after accept and removes it on close, so the adapter hears of both.
 */
final class TrackingConnectionsMap extends ConcurrentHashMap<Object, SocketWrapperBase<?>> {

	private static final long serialVersionUID = 1L;

	private final transient TomcatServerAdapter adapter;

	private final transient AbstractEndpoint<?, ?> endpoint;

	TrackingConnectionsMap(TomcatServerAdapter adapter, AbstractEndpoint<?, ?> endpoint,
			Map<?, ? extends SocketWrapperBase<?>> existing) {
		this.adapter = adapter;
		this.endpoint = endpoint;
		existing.forEach((socket, wrapper) -> put(socket, wrapper));
	}

	@Override
	public SocketWrapperBase<?> put(Object socket, SocketWrapperBase<?> wrapper) {
		SocketWrapperBase<?> previous = super.put(socket, wrapper);
		if (previous != wrapper) {
			this.adapter.opened(wrapper, this.endpoint);
		}
		return previous;
	}

	@Override
	public SocketWrapperBase<?> remove(Object socket) {
		SocketWrapperBase<?> wrapper = super.remove(socket);
		if (wrapper != null) {
			this.adapter.closed(wrapper);
		}
		return wrapper;
	}

}
