package io.github.terminator.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.modelcontextprotocol.spec.McpServerTransportProviderBase;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.env.Environment;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.util.UrlPathHelper;

/**
 * The session streams of Spring AI's MCP server on Spring MVC, subscriptions without any
 * declaration: the MCP client reconnects, to another instance, once its stream ends.
 * <p>
 * Streamable HTTP: the listening stream of a session ({@code GET} on the MCP endpoint) is
 * ended when the drain starts; tool calls ({@code POST}) answer on streams of their own,
 * which finish as requests, and the sessions go on serving them. The transport's own
 * {@code closeGracefully()} is not used: it would answer 503 to every call that arrives
 * during the drain.
 * <p>
 * SSE: the answer to a tool call travels over the session's stream ({@code GET /sse}), not
 * its {@code POST}: the streams are ended once no message is being handled, with the
 * transport's {@code closeGracefully()}, which then answers the calls of the ended
 * sessions with 503 at once, rather than let their clients wait for an answer that no
 * stream can carry.
 */
final class McpSessionStreams implements ServletSubscriptions, WebMvcConfigurer, HandlerInterceptor {

	private static final Log logger = LogFactory.getLog(McpSessionStreams.class);

	/** How often the SSE transport is looked at for messages still being handled. */
	private static final long IDLE_POLL_MILLIS = 10;

	/** How long the SSE transport's close may take, on a thread of its own. */
	private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

	private final List<McpServerTransportProviderBase> sseTransports;

	private final String sseEndpoint;

	private final String messageEndpoint;

	private final String streamableEndpoint;

	private final boolean streamable;

	private final TerminatorProperties properties;

	private final AtomicInteger messagesInFlight = new AtomicInteger();

	private final AtomicBoolean sseClosing = new AtomicBoolean();

	McpSessionStreams(List<McpServerTransportProviderBase> transports, Environment environment,
			TerminatorProperties properties) {
		this.sseTransports = transports.stream().filter((transport) -> isWebMvc(transport, "Sse")).toList();
		this.streamable = transports.stream().anyMatch((transport) -> isWebMvc(transport, "Streamable"));
		this.sseEndpoint = environment.getProperty("spring.ai.mcp.server.sse-endpoint", "/sse");
		this.messageEndpoint = environment.getProperty("spring.ai.mcp.server.sse-message-endpoint", "/mcp/message");
		this.streamableEndpoint = environment.getProperty("spring.ai.mcp.server.streamable-http.mcp-endpoint", "/mcp");
		this.properties = properties;
	}

	/**
	 * Whether a transport is the Spring MVC one of a kind, whichever package the Spring AI
	 * line puts it in ({@code WebMvcSseServerTransportProvider},
	 * {@code WebMvcStreamableServerTransportProvider}).
	 */
	private static boolean isWebMvc(McpServerTransportProviderBase transport, String kind) {
		return transport.getClass().getSimpleName().equals("WebMvc" + kind + "ServerTransportProvider");
	}

	boolean isActive() {
		return this.streamable || !this.sseTransports.isEmpty();
	}

	@Override
	public void addInterceptors(InterceptorRegistry registry) {
		if (!this.sseTransports.isEmpty()) {
			registry.addInterceptor(this).addPathPatterns(this.messageEndpoint);
		}
	}

	@Override
	public boolean isSubscription(HttpServletRequest request) {
		// Every request passes here: the cheap looks first.
		String uri = request.getRequestURI();
		if (!"GET".equals(request.getMethod())
				|| !(uri.endsWith(this.streamableEndpoint) || uri.endsWith(this.sseEndpoint))) {
			return false;
		}
		String path = UrlPathHelper.defaultInstance.getPathWithinApplication(request);
		return (this.streamable && path.equals(this.streamableEndpoint))
				|| (!this.sseTransports.isEmpty() && path.equals(this.sseEndpoint));
	}

	@Override
	public Runnable end(HttpServletRequest request, Runnable end) {
		String path = UrlPathHelper.defaultInstance.getPathWithinApplication(request);
		return (this.streamable && path.equals(this.streamableEndpoint)) ? end : this::closeSseSessionsOnceIdle;
	}

	/**
	 * Counts a message of the SSE transport being handled: its answer is written on its
	 * session's stream before the {@code POST} returns.
	 */
	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		if ("POST".equals(request.getMethod())) {
			this.messagesInFlight.incrementAndGet();
		}
		return true;
	}

	@Override
	public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
			Exception ex) {
		if ("POST".equals(request.getMethod())) {
			this.messagesInFlight.decrementAndGet();
		}
	}

	/**
	 * Closes the SSE transport's sessions once no message is being handled, or at the
	 * graceful timeout, on a thread of its own: the drain must not wait for it.
	 */
	private void closeSseSessionsOnceIdle() {
		if (!this.sseClosing.compareAndSet(false, true)) {
			return;
		}
		Thread closer = new Thread(() -> {
			long deadline = System.nanoTime() + this.properties.getGracefulTimeout().toNanos();
			try {
				while (this.messagesInFlight.get() > 0 && System.nanoTime() - deadline < 0) {
					TimeUnit.MILLISECONDS.sleep(IDLE_POLL_MILLIS);
				}
				for (McpServerTransportProviderBase transport : this.sseTransports) {
					transport.closeGracefully().block(CLOSE_TIMEOUT);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			catch (RuntimeException ex) {
				logger.warn("MCP sessions could not be closed: " + ex);
			}
		}, "terminator-mcp");
		closer.setDaemon(true);
		closer.start();
	}

}
