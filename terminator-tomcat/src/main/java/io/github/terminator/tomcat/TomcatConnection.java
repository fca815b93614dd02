package io.github.terminator.tomcat;

import io.github.terminator.core.spi.ConnectionControl;
import io.github.terminator.core.spi.ConnectionEvents;

import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * terminator's handle on one Tomcat connection.
 */
final class TomcatConnection implements ConnectionControl {

	private final SocketWrapperBase<?> wrapper;

	private final AbstractEndpoint<?, ?> endpoint;

	private ConnectionEvents tracked;

	TomcatConnection(SocketWrapperBase<?> wrapper, AbstractEndpoint<?, ?> endpoint) {
		this.wrapper = wrapper;
		this.endpoint = endpoint;
	}

	void track(ConnectionEvents tracked) {
		this.tracked = tracked;
	}

	ConnectionEvents tracked() {
		return this.tracked;
	}

	@Override
	public String remoteAddress() {
		try {
			return this.wrapper.getRemoteAddr() + ":" + this.wrapper.getRemotePort();
		}
		catch (RuntimeException ex) {
			// The socket was closed and released under us.
			return "unknown";
		}
	}

	@Override
	public int localPort() {
		try {
			return this.wrapper.getLocalPort();
		}
		catch (RuntimeException ex) {
			return -1;
		}
	}

	@Override
	public boolean closeIfIdle() {
		return TomcatInternals.closeIfIdle(this.wrapper, this.endpoint);
	}

	@Override
	public void forceClose() {
		this.wrapper.close();
		TomcatInternals.wakeBlockedIo(this.wrapper);
	}

}
