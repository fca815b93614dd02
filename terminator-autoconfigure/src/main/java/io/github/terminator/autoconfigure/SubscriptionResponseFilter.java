package io.github.terminator.autoconfigure;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.function.SingletonSupplier;

/**
 * Gives the response of a declared subscription a clean end that its application's
 * writes cannot race. WebMvc.fn's {@code ServerResponse.sse} writes from the
 * application's threads without a lock, and ending it means completing its
 * {@code DeferredResult} from the drain's thread: the container then completes the
 * response while an event may be being written, which Jetty answers by cutting the
 * connection without the stream's last chunk. Here every write of the application passes
 * a lock, and the stream is completed only between two writes; a write after the end
 * fails as a write to a client that has gone away would.
 * <p>
 * Only requests declared subscriptions when they arrive (by path) are wrapped: the others
 * cost one match of their path. A plain {@code Filter}, which Spring Boot registers for
 * the {@code REQUEST} dispatch only: what a {@code OncePerRequestFilter} filters too, as
 * it skips asynchronous and error dispatches and requests it has seen. Being one cost
 * every request a request attribute set and removed.
 */
final class SubscriptionResponseFilter implements Filter {

	private static final String ENDABLE_ATTRIBUTE = SubscriptionResponseFilter.class.getName() + ".endable";

	/**
	 * Resolved at its first use, once: resolving it through its provider at every request
	 * cost a tenth of a trivial request's time.
	 */
	private final SingletonSupplier<MvcStreamTracking> tracking;

	SubscriptionResponseFilter(ObjectProvider<MvcStreamTracking> tracking) {
		this.tracking = SingletonSupplier.of(tracking::getIfAvailable);
	}

	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		MvcStreamTracking tracking = this.tracking.get();
		if (tracking == null || !(request instanceof HttpServletRequest http)
				|| !(response instanceof HttpServletResponse httpResponse) || !tracking.isSubscription(http)) {
			chain.doFilter(request, response);
			return;
		}
		EndableResponse endable = new EndableResponse(httpResponse);
		request.setAttribute(ENDABLE_ATTRIBUTE, endable);
		chain.doFilter(request, endable);
	}

	/**
	 * How to end a request's stream between two of its writes.
	 * @param request the request
	 * @param complete what completes the stream
	 * @return the end to run at drain start
	 */
	static Runnable between(HttpServletRequest request, Runnable complete) {
		return (request.getAttribute(ENDABLE_ATTRIBUTE) instanceof EndableResponse endable)
				? () -> endable.end(complete) : complete;
	}

	/**
	 * A response whose writes can be stopped, and its stream completed, between two of
	 * them. The drain never waits for a write: if one is under way, its writer completes
	 * the stream once it returns.
	 */
	private static final class EndableResponse extends HttpServletResponseWrapper {

		private final ReentrantLock writing = new ReentrantLock();

		private final AtomicBoolean completed = new AtomicBoolean();

		private volatile Runnable completion;

		private ServletOutputStream stream;

		EndableResponse(HttpServletResponse response) {
			super(response);
		}

		void end(Runnable complete) {
			this.completion = complete;
			if (this.writing.tryLock()) {
				this.writing.unlock();
				completeOnce();
			}
			// Else the write under way completes it when it returns.
		}

		private void completeOnce() {
			Runnable completion = this.completion;
			if (completion != null && this.completed.compareAndSet(false, true)) {
				completion.run();
			}
		}

		@Override
		public synchronized ServletOutputStream getOutputStream() throws IOException {
			if (this.stream == null) {
				this.stream = new EndableOutputStream(super.getOutputStream());
			}
			return this.stream;
		}

		@Override
		public void flushBuffer() throws IOException {
			flush(super::flushBuffer);
		}

		/**
		 * Writes bytes of the application: after the end, they fail as if the client had
		 * gone, so that the application stops writing.
		 */
		private void write(Write write) throws IOException {
			pass(write, true);
		}

		/**
		 * Flushes, or closes: after the end, nothing is left to flush, and the container
		 * completes the response on its own.
		 */
		private void flush(Write flush) throws IOException {
			pass(flush, false);
		}

		private void pass(Write write, boolean bytes) throws IOException {
			this.writing.lock();
			try {
				if (this.completion != null) {
					if (bytes) {
						throw new IOException("The stream was ended: the server is shutting down");
					}
					return;
				}
				write.run();
			}
			finally {
				this.writing.unlock();
				if (this.completion != null) {
					completeOnce();
				}
			}
		}

		@FunctionalInterface
		private interface Write {

			void run() throws IOException;

		}

		private final class EndableOutputStream extends ServletOutputStream {

			private final ServletOutputStream delegate;

			EndableOutputStream(ServletOutputStream delegate) {
				this.delegate = delegate;
			}

			@Override
			public void write(int b) throws IOException {
				EndableResponse.this.write(() -> this.delegate.write(b));
			}

			@Override
			public void write(byte[] bytes, int offset, int length) throws IOException {
				EndableResponse.this.write(() -> this.delegate.write(bytes, offset, length));
			}

			@Override
			public void flush() throws IOException {
				EndableResponse.this.flush(this.delegate::flush);
			}

			@Override
			public void close() throws IOException {
				EndableResponse.this.flush(this.delegate::close);
			}

			@Override
			public boolean isReady() {
				return this.delegate.isReady();
			}

			@Override
			public void setWriteListener(WriteListener listener) {
				this.delegate.setWriteListener(listener);
			}

		}

	}

}
