package io.github.terminator.test;

import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.ConnectionRegistry;
import io.github.terminator.core.spi.ConnectionEvents;

/**
 * A connection without a server, for tests of what reads the registry: it has a fixed
 * address and closes at once whenever the drain asks.
 */
public final class StubConnection implements ConnectionControl {

	/** The remote address of every stub connection; from a documentation range. */
	public static final String REMOTE_ADDRESS = "192.0.2.7:50123";

	/** The local port of every stub connection. */
	public static final int LOCAL_PORT = 8080;

	private ConnectionEvents tracked;

	private StubConnection() {
	}

	/**
	 * Registers a new stub connection, in state {@code NEW}.
	 * @param registry the registry
	 * @return where to report the connection's transitions, as a server adapter does
	 */
	public static ConnectionEvents open(ConnectionRegistry registry) {
		StubConnection control = new StubConnection();
		control.tracked = registry.open(control);
		return control.tracked;
	}

	@Override
	public String remoteAddress() {
		return REMOTE_ADDRESS;
	}

	@Override
	public int localPort() {
		return LOCAL_PORT;
	}

	@Override
	public boolean closeIfIdle() {
		this.tracked.onClosed();
		return true;
	}

	@Override
	public void forceClose() {
		this.tracked.onClosed();
	}

}
