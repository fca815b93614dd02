package io.github.terminator.core.spi;

/**
 * What a connection speaks, as an adapter reports it when the connection switches.
 */
public enum Protocol {

	/** HTTP/1.1, what every connection speaks until it switches. */
	HTTP_1_1("http/1.1"),

	/** A WebSocket (RFC 6455). */
	WEBSOCKET("websocket"),

	/** HTTP/2 over TLS, negotiated with ALPN (RFC 9113). */
	H2("h2"),

	/** HTTP/2 over cleartext TCP, by upgrade or with prior knowledge (RFC 9113). */
	H2C("h2c");

	private final String id;

	Protocol(String id) {
		this.id = id;
	}

	/**
	 * The protocol's name, as the endpoint shows it and ALPN names HTTP/2.
	 * @return the name, such as {@code h2}
	 */
	public String id() {
		return this.id;
	}

	/**
	 * Whether the protocol carries several requests at once, each on a stream of its own.
	 * @return {@code true} for HTTP/2
	 */
	public boolean isMultiplexed() {
		return this == H2 || this == H2C;
	}

}
