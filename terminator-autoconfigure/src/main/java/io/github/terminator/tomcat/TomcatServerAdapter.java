package io.github.terminator.tomcat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.ServerAdapter;
import io.github.terminator.core.TrackedConnection;

import org.apache.catalina.Valve;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.ProtocolHandler;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * terminator on Tomcat: tracks the connections of every connector it is given, from
 * accept to close, and closes their listeners on demand.
 * <p>
 * A connector must be {@link #track tracked} before it starts, and the
 * {@link #valve() valve} added to the engine, so that requests are seen too.
 */
public final class TomcatServerAdapter implements ServerAdapter {

	private final ConnectionRegistry registry;

	private final Map<SocketWrapperBase<?>, TomcatConnection> connections = new ConcurrentHashMap<>();

	private final List<ProtocolHandler> protocols = new CopyOnWriteArrayList<>();

	private final ConnectionTrackingValve valve;

	/**
	 * Creates an adapter that reports to the given registry.
	 * @param registry where connections are tracked
	 */
	public TomcatServerAdapter(ConnectionRegistry registry) {
		this.registry = registry;
		this.valve = new ConnectionTrackingValve(registry);
	}

	/**
	 * The valve to add to the engine, which sees each request start.
	 * @return the valve
	 */
	public Valve valve() {
		return this.valve;
	}

	/**
	 * Tracks the connections of a connector. Call it before the connector starts; calling
	 * it again for the same connector has no effect.
	 * @param connector the connector
	 */
	public void track(Connector connector) {
		track(connector.getProtocolHandler());
	}

	/**
	 * Tracks the connections of a protocol handler. Call it before its connector starts;
	 * calling it again for the same handler has no effect.
	 * @param protocol the protocol handler
	 * @throws IllegalArgumentException if the handler is not built on Tomcat's
	 * {@code AbstractProtocol}
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	public void track(ProtocolHandler protocol) {
		if (!(protocol instanceof AbstractProtocol<?> abstractProtocol)) {
			throw new IllegalArgumentException("terminator cannot track connections of " + protocol.getClass().getName()
					+ ": only protocol handlers built on org.apache.coyote.AbstractProtocol are supported");
		}
		if (this.protocols.contains(protocol)) {
			return;
		}
		AbstractEndpoint endpoint = TomcatInternals.endpoint(abstractProtocol);
		TomcatInternals.replaceConnections(endpoint, (existing) -> new TrackingConnectionsMap(this, existing));
		endpoint.setHandler(new TrackingHandler<>(endpoint.getHandler(), this));
		// Boot binds on start, which is what closeServerSocketGraceful() needs to work.
		endpoint.setBindOnInit(false);
		this.protocols.add(protocol);
	}

	/**
	 * Closes the listening socket of every tracked connector. Requests on connections
	 * already accepted go on being served, and Tomcat stops keeping connections alive.
	 */
	@Override
	public void stopAccepting() {
		for (ProtocolHandler protocol : this.protocols) {
			protocol.closeServerSocketGraceful();
		}
	}

	void opened(SocketWrapperBase<?> wrapper) {
		TomcatConnection connection = new TomcatConnection(wrapper);
		connection.track(this.registry.open(connection));
		this.connections.put(wrapper, connection);
	}

	void closed(SocketWrapperBase<?> wrapper) {
		TomcatConnection connection = this.connections.remove(wrapper);
		if (connection != null) {
			connection.tracked().onClosed();
		}
	}

	TrackedConnection tracked(SocketWrapperBase<?> wrapper) {
		TomcatConnection connection = this.connections.get(wrapper);
		return (connection != null) ? connection.tracked() : null;
	}

}
