package io.github.terminator.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.spi.ConnectionEvents;
import io.github.terminator.core.spi.Connections;

/**
 * Every open connection of the embedded server, across all its connectors.
 * <p>
 * Server adapters {@link #open register} a connection when it is accepted and report its
 * transitions on the returned {@link TrackedConnection}; the registry removes it when it
 * is closed. The registry also carries the one decision the servers ask on every
 * response: whether connections are being closed after their response
 * ({@link #isClosingConnections()}).
 */
public final class ConnectionRegistry implements Connections {

	private final Set<TrackedConnection> connections = ConcurrentHashMap.newKeySet();

	private final AtomicLong ids = new AtomicLong();

	private final LongAdder requestsCompletedWhileClosing = new LongAdder();

	private final LongAdder idleClosedWhileClosing = new LongAdder();

	private final LongAdder completedWhileClosing = new LongAdder();

	private final LongAdder webSocketsClosedWhileClosing = new LongAdder();

	private final Object changes = new Object();

	private final StreamRegistry streams = new StreamRegistry(this::changed);

	private long changeCount;

	private volatile boolean terminating;

	private volatile boolean closingConnections;

	private volatile boolean watched;

	/**
	 * Registers a connection that was just accepted, in state {@link ConnectionState#NEW
	 * NEW}.
	 * For server adapters.
	 * @param control the adapter's handle on the connection
	 * @return where the adapter reports the connection's transitions
	 */
	@Override
	public ConnectionEvents open(ConnectionControl control) {
		TrackedConnection connection = new TrackedConnection(this.ids.incrementAndGet(), this, control);
		this.connections.add(connection);
		// A connection accepted while the listener was closing: the drain has one more to close.
		changed();
		return connection.events();
	}

	/**
	 * The streams served on these connections.
	 * @return the streams
	 */
	public StreamRegistry streams() {
		return this.streams;
	}

	/**
	 * Whether every response must carry {@code Connection: close} and its connection be
	 * closed after it, because a termination is under way.
	 * @return {@code true} once the termination has started
	 */
	@Override
	public boolean isClosingConnections() {
		return this.closingConnections;
	}

	/**
	 * A snapshot of the open connections, oldest first.
	 * @return the connections open at the time of the call
	 */
	public List<TrackedConnection> connections() {
		List<TrackedConnection> snapshot = new ArrayList<>(this.connections);
		snapshot.sort(Comparator.comparingLong(TrackedConnection::id));
		return snapshot;
	}

	/**
	 * How many connections are open.
	 * @return the number of open connections
	 */
	public int size() {
		return this.connections.size();
	}

	/**
	 * Whether no connection is open.
	 * @return {@code true} if the registry is empty
	 */
	public boolean isEmpty() {
		return this.connections.isEmpty();
	}

	/**
	 * Open connections counted by state.
	 * @return a count for every state, zero included
	 */
	public Map<ConnectionState, Integer> countByState() {
		Map<ConnectionState, Integer> counts = new EnumMap<>(ConnectionState.class);
		for (ConnectionState state : ConnectionState.values()) {
			counts.put(state, 0);
		}
		for (TrackedConnection connection : this.connections) {
			counts.merge(connection.state(), 1, Integer::sum);
		}
		return counts;
	}

	/**
	 * How many requests are being processed.
	 * @return the number of connections with a {@link TrackedConnection#currentRequest()
	 * current request}
	 */
	public int requestsInFlight() {
		int count = 0;
		for (TrackedConnection connection : this.connections) {
			count += connection.requestsInFlight();
		}
		return count;
	}

	/**
	 * The open connections, live and unordered, for the drain to walk without copying.
	 */
	Iterable<TrackedConnection> live() {
		return this.connections;
	}

	/**
	 * Starts counting how connections end and requests complete, for the result.
	 */
	void beginTermination() {
		this.terminating = true;
		this.streams.beginTermination();
	}

	void startClosingConnections() {
		beginTermination();
		this.closingConnections = true;
	}

	/**
	 * Stops closing connections after their response while the termination goes on, so
	 * that no client is told to reconnect for a moment: the clients told so just before
	 * are then accepted before the listener closes, rather than reset with it.
	 */
	void keepConnectionsAlive() {
		this.closingConnections = false;
	}

	long requestsCompletedWhileClosing() {
		return this.requestsCompletedWhileClosing.sum();
	}

	/**
	 * Connections that ended with no request running on them since the termination
	 * started, whoever closed them.
	 */
	long idleClosedWhileClosing() {
		return this.idleClosedWhileClosing.sum();
	}

	/**
	 * Connections that ended after their last response since the termination started.
	 */
	long completedWhileClosing() {
		return this.completedWhileClosing.sum();
	}

	/**
	 * Of the {@link #completedWhileClosing()}, the WebSocket connections.
	 */
	long webSocketsClosedWhileClosing() {
		return this.webSocketsClosedWhileClosing.sum();
	}

	void requestCompleted() {
		if (this.terminating) {
			this.requestsCompletedWhileClosing.increment();
		}
	}

	void remove(TrackedConnection connection, TrackedConnection.Ending ending) {
		// Once per connection (its onClosed runs once): counted before it is gone, because a
		// drain that finds the registry empty reads the counts at once.
		if (!this.connections.contains(connection)) {
			return;
		}
		if (this.terminating) {
			switch (ending) {
				case IDLE -> this.idleClosedWhileClosing.increment();
				case COMPLETED -> {
					this.completedWhileClosing.increment();
					if (TrackedConnection.WEBSOCKET.equals(connection.protocol())) {
						this.webSocketsClosedWhileClosing.increment();
					}
				}
				case FORCED -> {
					// Counted by the drain, which forced it.
				}
			}
		}
		// Only the last one matters to a drain: waking it for each of 10,000 closes would
		// cost more than the closes.
		if (this.connections.remove(connection) && this.connections.isEmpty()) {
			changed();
		}
	}

	/**
	 * Wakes up a drain waiting for the registry to change: a connection opened or became
	 * idle again, so there may be one more to close, or the last one is gone. Only a
	 * termination watches, so serving pays a volatile read and nothing more.
	 */
	void changed() {
		if (this.watched) {
			synchronized (this.changes) {
				this.changeCount++;
				this.changes.notifyAll();
			}
		}
	}

	/**
	 * Starts notifying {@link #awaitChange} callers of the changes a drain acts on.
	 */
	void watch() {
		this.watched = true;
	}

	/**
	 * A token to pass to {@link #awaitChange}, taken before looking at the connections so
	 * that a change made in between is not missed.
	 * @return the current change count
	 */
	long changeToken() {
		synchronized (this.changes) {
			return this.changeCount;
		}
	}

	/**
	 * Waits until something changed since {@code token} was taken, or the time is up.
	 * @param token a value of {@link #changeToken()}
	 * @param timeoutNanos the longest time to wait
	 * @throws InterruptedException if the waiting thread is interrupted
	 */
	void awaitChange(long token, long timeoutNanos) throws InterruptedException {
		long deadline = System.nanoTime() + timeoutNanos;
		synchronized (this.changes) {
			long remaining = timeoutNanos;
			while (this.changeCount == token && remaining > 0) {
				TimeUnit.NANOSECONDS.timedWait(this.changes, remaining);
				remaining = deadline - System.nanoTime();
			}
		}
	}

}
