package io.github.terminator.tomcat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.terminator.core.spi.Connections;
import io.github.terminator.core.spi.ServerAdapter;

import org.apache.catalina.Context;
import org.apache.catalina.Engine;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
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

	/** How long Tomcat waits, when it stops, for requests still in a servlet: a moment. */
	static final long UNLOAD_DELAY_MILLIS = 20;

	private final Connections registry;

	private final Map<SocketWrapperBase<?>, TomcatConnection> connections = new ConcurrentHashMap<>();

	private final List<ProtocolHandler> protocols = new CopyOnWriteArrayList<>();

	/** Remote ports of terminator's own connections, which wake Tomcat's acceptor. */
	private final Set<Integer> ignoredRemotePorts = ConcurrentHashMap.newKeySet();

	private final ConnectionTrackingValve valve;

	/**
	 * Creates an adapter that reports to the given registry.
	 * @param registry where connections are tracked
	 */
	public TomcatServerAdapter(Connections registry) {
		this.registry = registry;
		this.valve = new ConnectionTrackingValve(this);
	}

	/**
	 * The valve to add to the engine, which sees each request start.
	 * @return the valve
	 */
	public Valve valve() {
		return this.valve;
	}

	/**
	 * Prepares the application's context and tracks every connector of its service: the
	 * main one and any added one. Meant for a context customizer of Spring Boot's Tomcat
	 * factory, which runs once every connector is in the service and before any starts.
	 * @param context the application's context
	 */
	public void prepare(Context context) {
		if (context instanceof StandardContext standard) {
			// Tomcat stops after the termination: a request still in a servlet then was cut,
			// and waiting for it would only keep the shutdown past its max-wait. Tomcat waits
			// 21 times unloadDelay / 20 ms, and Tomcat 11 waits with Object.wait, for which 0
			// is forever: 20 ms is the shortest wait that ends on both.
			standard.setUnloadDelay(UNLOAD_DELAY_MILLIS);
		}
		Engine engine = (Engine) context.getParent().getParent();
		for (Connector connector : engine.getService().findConnectors()) {
			track(connector);
		}
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
		TomcatInternals.replaceConnections(endpoint, (existing) -> new TrackingConnectionsMap(this, endpoint, existing));
		endpoint.setHandler(new TrackingHandler<>(endpoint.getHandler(), this));
		// Boot binds on start, which is what closeServerSocketGraceful() needs to work.
		endpoint.setBindOnInit(false);
		// The connector stops after the termination: a worker still busy then runs a
		// request that was cut, and waiting for it (5 s by default) would only keep the
		// shutdown past its max-wait.
		endpoint.setExecutorTerminationTimeoutMillis(0);
		this.protocols.add(protocol);
	}

	/**
	 * Closes the listening socket of every tracked connector, serving the connections
	 * waiting in its backlog. Requests on connections already accepted go on being served,
	 * and Tomcat stops keeping connections alive.
	 * @throws IOException if a listener failed to close
	 */
	@Override
	public void stopAccepting() throws IOException {
		IOException failure = null;
		for (ProtocolHandler protocol : this.protocols) {
			try {
				TomcatInternals.closeListenerServingItsBacklog((AbstractProtocol<?>) protocol,
						this.ignoredRemotePorts::add);
			}
			catch (IOException ex) {
				failure = (failure != null) ? failure : ex;
			}
			finally {
				// Accepted by now, or reset unaccepted: a client may get the port next.
				this.ignoredRemotePorts.clear();
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

	void opened(SocketWrapperBase<?> wrapper, AbstractEndpoint<?, ?> endpoint) {
		if (!this.ignoredRemotePorts.isEmpty() && this.ignoredRemotePorts.remove(wrapper.getRemotePort())) {
			return;
		}
		TomcatConnection connection = new TomcatConnection(wrapper, endpoint);
		// Known here before the registry publishes it: the drain may close it at once, and
		// its close must find it (otherwise the registry keeps it to the max-wait).
		this.connections.put(wrapper, connection);
		connection.track(this.registry.open(connection));
		if (!this.connections.containsKey(wrapper)) {
			// Closed while the registry was opening it.
			connection.reportClosed();
		}
	}

	void closed(SocketWrapperBase<?> wrapper) {
		TomcatConnection connection = this.connections.remove(wrapper);
		if (connection != null) {
			connection.reportClosed();
		}
	}

	TomcatConnection connection(SocketWrapperBase<?> wrapper) {
		return (wrapper != null) ? this.connections.get(wrapper) : null;
	}

	Connections registry() {
		return this.registry;
	}

}
