package io.github.terminator.jetty;

import io.github.terminator.core.spi.Connections;
import io.github.terminator.core.spi.Protocol;
import io.github.terminator.core.spi.ConnectionEvents;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Sees each request of a tracked HTTP/1.1 connection as it reaches the server's handlers,
 * its head parsed: marks the connection {@code ACTIVE} with the method and path, and wraps
 * the request's stream to learn when the exchange ends and to make its response say
 * {@code Connection: close} if the server starts terminating before it is committed.
 */
final class RequestTrackingHandler extends Handler.Wrapper {

	private final JettyServerAdapter adapter;

	RequestTrackingHandler(JettyServerAdapter adapter) {
		this.adapter = adapter;
	}

	@Override
	public boolean handle(Request request, Response response, Callback callback) throws Exception {
		ConnectionMetaData metaData = request.getConnectionMetaData();
		JettyConnection connection = this.adapter.connection(metaData.getConnection());
		if (connection != null) {
			connection.tracked().onRequestStarted(request.getMethod(), request.getHttpURI().getPath());
			Connections registry = this.adapter.registry();
			request.addHttpStreamWrapper(
					(stream) -> new ExchangeStream(stream, connection, metaData, request, response, registry));
		}
		else {
			JettyConnection http2 = this.adapter.http2Connection(metaData.getConnection());
			if (http2 != null) {
				ConnectionEvents events = http2.tracked();
				ConnectionEvents.Stream stream = events.onStreamStarted(request.getMethod(), request.getHttpURI().getPath());
				Request.addCompletionListener(request, (failure) -> stream.completed());
			}
		}
		return super.handle(request, response, callback);
	}

	/**
	 * The stream of one exchange. Every response goes through {@link #prepareResponse}
	 * just before its head is generated, whoever writes it (a servlet, an error handler,
	 * Jetty completing a handler's callback), and the stream {@link #succeeded() succeeds}
	 * once the response is complete, before the connection reads the next request.
	 */
	private static final class ExchangeStream extends HttpStream.Wrapper {

		private final JettyConnection connection;

		private final ConnectionMetaData metaData;

		private final Request request;

		private final Response response;

		private final Connections registry;

		ExchangeStream(HttpStream stream, JettyConnection connection, ConnectionMetaData metaData, Request request,
				Response response, Connections registry) {
			super(stream);
			this.connection = connection;
			this.metaData = metaData;
			this.request = request;
			this.response = response;
			this.registry = registry;
		}

		@Override
		public void prepareResponse(HttpFields.Mutable headers) {
			if (this.registry.isClosingConnections() && !isSwitchingProtocols()) {
				// HttpGenerator then makes the response non-persistent, and Jetty closes the
				// connection after it; first, so that HTTP/1.0 gets no keep-alive either.
				headers.put(HttpFields.CONNECTION_CLOSE);
			}
			super.prepareResponse(headers);
		}

		@Override
		public void succeeded() {
			ConnectionEvents tracked = this.connection.tracked();
			boolean closing = false;
			if (isSwitchingProtocols()) {
				tracked.onUpgraded(upgradeProtocol());
			}
			else if (this.metaData.isPersistent()) {
				// Before the connection may read the next request, on another thread.
				tracked.onRequestCompleted();
			}
			else {
				tracked.onLastResponseCompleted();
				closing = true;
			}
			super.succeeded();
			if (closing) {
				this.connection.closeAfterLastResponse();
			}
		}

		/**
		 * What the connection speaks once this exchange switched protocols. Read from the
		 * request then, not when it starts: looking up a header through Spring's and
		 * Jetty's request wrappers was a third of what the starter cost a request on
		 * Jetty (async-profiler, {@code benchmarks/request-profile.sh}).
		 */
		private Protocol upgradeProtocol() {
			return "h2c".equalsIgnoreCase(this.request.getHeaders().get(HttpHeader.UPGRADE)) ? Protocol.H2C
					: Protocol.WEBSOCKET;
		}

		private boolean isSwitchingProtocols() {
			return this.response.getStatus() == HttpStatus.SWITCHING_PROTOCOLS_101;
		}

	}

}
