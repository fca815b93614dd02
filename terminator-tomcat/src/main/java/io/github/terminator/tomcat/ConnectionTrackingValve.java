package io.github.terminator.tomcat;

import java.io.IOException;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;

import io.github.terminator.core.spi.ConnectionEvents;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

/**
 * Sees each request as it enters the engine, its head parsed: marks its connection
 * {@code ACTIVE} with the method and path, and makes sure a {@code Connection: close} can
 * be added to its response if the server starts terminating before it is committed.
 */
final class ConnectionTrackingValve extends ValveBase {

	private final TomcatServerAdapter adapter;

	ConnectionTrackingValve(TomcatServerAdapter adapter) {
		super(true);
		this.adapter = adapter;
	}

	@Override
	public void invoke(Request request, Response response) throws IOException, ServletException {
		if (request.getDispatcherType() != DispatcherType.REQUEST) {
			getNext().invoke(request, response);
			return;
		}
		ConnectionEvents connection = TrackingHandler.current();
		if (connection != null) {
			connection.onRequestStarted(request.getMethod(), request.getRequestURI());
			ConnectionCloseHook.install(request.getCoyoteRequest().getResponse(), this.adapter.registry());
			getNext().invoke(request, response);
			return;
		}
		// An HTTP/2 stream: processed on a thread of its own, not under the connection's
		// handler.
		TomcatConnection http2 = this.adapter
			.connection(TomcatInternals.socketWrapper(TomcatInternals.hook(request.getCoyoteRequest().getResponse())));
		if (http2 == null) {
			getNext().invoke(request, response);
			return;
		}
		ConnectionEvents events = http2.tracked();
		ConnectionEvents.Stream stream = events.onStreamStarted(request.getMethod(), request.getRequestURI());
		boolean async = false;
		try {
			getNext().invoke(request, response);
			if (request.isAsync()) {
				request.getAsyncContextInternal().addListener(new StreamCompletion(stream));
				async = true;
			}
		}
		finally {
			if (!async) {
				stream.completed();
			}
		}
	}

	/**
	 * Completes the stream of an asynchronous request when the request completes.
	 */
	private record StreamCompletion(ConnectionEvents.Stream stream) implements AsyncListener {

		@Override
		public void onComplete(AsyncEvent event) {
			this.stream.completed();
		}

		@Override
		public void onTimeout(AsyncEvent event) {
		}

		@Override
		public void onError(AsyncEvent event) {
		}

		@Override
		public void onStartAsync(AsyncEvent event) {
			event.getAsyncContext().addListener(this);
		}

	}

}
