package io.github.terminator.tomcat;

import java.io.IOException;

import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.spi.ConnectionEvents;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

/**
 * Sees each request as it enters the engine, its head parsed: marks its connection
 * {@code ACTIVE} with the method and path, and makes sure a {@code Connection: close} can
 * be added to its response if the server starts terminating before it is committed.
 */
final class ConnectionTrackingValve extends ValveBase {

	private final ConnectionRegistry registry;

	ConnectionTrackingValve(ConnectionRegistry registry) {
		super(true);
		this.registry = registry;
	}

	@Override
	public void invoke(Request request, Response response) throws IOException, ServletException {
		ConnectionEvents connection = TrackingHandler.current();
		if (connection != null && request.getDispatcherType() == DispatcherType.REQUEST) {
			connection.onRequestStarted(request.getMethod(), request.getRequestURI());
			ConnectionCloseHook.install(request.getCoyoteRequest().getResponse(), this.registry);
		}
		getNext().invoke(request, response);
	}

}
