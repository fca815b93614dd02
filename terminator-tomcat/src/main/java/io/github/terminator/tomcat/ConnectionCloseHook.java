package io.github.terminator.tomcat;

import io.github.terminator.core.spi.Connections;

import org.apache.coyote.ActionCode;
import org.apache.coyote.ActionHook;
import org.apache.coyote.Response;

/**
 * Sits between a response and its processor to add {@code Connection: close} to a
 * response that is committed while the server terminates. Tomcat honours the header: it
 * closes the connection once that response is complete.
 */
final class ConnectionCloseHook implements ActionHook {

	private static final int SWITCHING_PROTOCOLS = 101;

	private final ActionHook processor;

	private final Response response;

	private final Connections registry;

	private ConnectionCloseHook(ActionHook processor, Response response, Connections registry) {
		this.processor = processor;
		this.response = response;
		this.registry = registry;
	}

	/**
	 * Puts a hook in front of the processor of an HTTP/1.1 response, once per response
	 * object (Tomcat reuses them from request to request).
	 */
	static void install(Response response, Connections registry) {
		ActionHook current = TomcatInternals.hook(response);
		if (current instanceof org.apache.coyote.http11.Http11Processor) {
			TomcatInternals.setHook(response, new ConnectionCloseHook(current, response, registry));
		}
	}

	@Override
	public void action(ActionCode actionCode, Object param) {
		if (actionCode == ActionCode.COMMIT && this.registry.isClosingConnections() && !this.response.isCommitted()
				&& this.response.getStatus() != SWITCHING_PROTOCOLS) {
			this.response.setHeader("Connection", "close");
		}
		this.processor.action(actionCode, param);
	}

}
