package io.github.terminator.tomcat;

import io.github.terminator.core.spi.Protocol;
import io.github.terminator.core.spi.ConnectionEvents;

import org.apache.tomcat.util.net.AbstractEndpoint.Handler;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Wraps the protocol's connection handler to see what each round of processing did to a
 * connection: a response completed and the connection went back to keep-alive
 * ({@code OPEN}), an asynchronous request goes on ({@code LONG}), or the protocol was
 * switched ({@code UPGRADED}).
 */
final class TrackingHandler<S> implements Handler<S> {

	private static final ThreadLocal<ConnectionEvents> CURRENT = new ThreadLocal<>();

	private final Handler<S> delegate;

	private final TomcatServerAdapter adapter;

	TrackingHandler(Handler<S> delegate, TomcatServerAdapter adapter) {
		this.delegate = delegate;
		this.adapter = adapter;
	}

	/**
	 * The connection the current thread is processing, for the valve that sees the request.
	 */
	static ConnectionEvents current() {
		return CURRENT.get();
	}

	@Override
	public SocketState process(SocketWrapperBase<S> wrapper, SocketEvent event) {
		TomcatConnection tomcat = this.adapter.connection(wrapper);
		ConnectionEvents connection = (tomcat != null) ? tomcat.tracked() : null;
		if (connection == null) {
			return this.delegate.process(wrapper, event);
		}
		tomcat.handshakeChecked(connection);
		SocketState state;
		CURRENT.set(connection);
		try {
			state = this.delegate.process(wrapper, event);
		}
		finally {
			// Cleared, not removed: removing and adding the thread's entry again at every
			// round costs the thread-local map a rehash of its neighbours.
			CURRENT.set(null);
		}
		switch (state) {
			case OPEN -> connection.onRequestCompleted();
			case LONG -> {
				if (!TomcatInternals.isAsync(wrapper)) {
					// The response is complete and part of the next request head was read.
					connection.onRequestCompleted();
				}
			}
			// HTTP/2 on NIO is processed asynchronously once upgraded: ASYNC_IO is the last
			// state seen here.
			case UPGRADED, UPGRADING, ASYNC_IO -> {
				Protocol protocol = tomcat.upgraded(wrapper);
				if (protocol != null) {
					connection.onUpgraded(protocol);
				}
				else if (state != SocketState.ASYNC_IO) {
					connection.onUpgraded(Protocol.WEBSOCKET);
				}
			}
			default -> {
				// CLOSED is reported by the connections map; the other states keep the
				// request running.
			}
		}
		return state;
	}

	@Override
	public Object getGlobal() {
		return this.delegate.getGlobal();
	}

	@Override
	public void release(SocketWrapperBase<S> wrapper) {
		this.delegate.release(wrapper);
	}

	@Override
	public void pause() {
		this.delegate.pause();
	}

	@Override
	public void recycle() {
		this.delegate.recycle();
	}

}
