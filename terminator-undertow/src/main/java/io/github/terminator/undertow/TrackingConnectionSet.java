package io.github.terminator.undertow;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Set;

import io.undertow.server.protocol.http.HttpServerConnection;

/**
 * Stands in for the set of connections of an {@code HttpOpenListener}: keeps them in the
 * original set, so that Undertow sees no difference, and tells the adapter of each
 * connection accepted. Undertow adds a connection on its IO thread, before it reads a
 * byte from it.
 */
final class TrackingConnectionSet extends AbstractSet<HttpServerConnection> {

	private final UndertowServerAdapter adapter;

	private final Set<HttpServerConnection> delegate;

	TrackingConnectionSet(UndertowServerAdapter adapter, Set<HttpServerConnection> delegate) {
		this.adapter = adapter;
		this.delegate = delegate;
	}

	@Override
	public boolean add(HttpServerConnection connection) {
		boolean added = this.delegate.add(connection);
		this.adapter.opened(connection);
		return added;
	}

	@Override
	public boolean remove(Object connection) {
		return this.delegate.remove(connection);
	}

	@Override
	public boolean contains(Object connection) {
		return this.delegate.contains(connection);
	}

	@Override
	public Iterator<HttpServerConnection> iterator() {
		return this.delegate.iterator();
	}

	@Override
	public int size() {
		return this.delegate.size();
	}

}
