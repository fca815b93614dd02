package io.github.terminator.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.terminator.core.ConnectionRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filter every request of a Spring MVC application passes: what it costs a request
 * that is not a subscription.
 */
class SubscriptionResponseFilterTests {

	/**
	 * Resolving a bean through its provider walks the bean factory's candidates: at every
	 * request, it cost a tenth of a trivial request's CPU time (benchmarks/request-overhead.sh).
	 */
	@Test
	void streamTrackingIsResolvedOnceNotAtEveryRequest() throws Exception {
		AtomicInteger resolved = new AtomicInteger();
		MvcStreamTracking tracking = new MvcStreamTracking(new ConnectionRegistry().streams(), List.of());
		SubscriptionResponseFilter filter = new SubscriptionResponseFilter(new CountingProvider(tracking, resolved));
		for (int i = 0; i < 3; i++) {
			MockHttpServletResponse response = new MockHttpServletResponse();
			MockFilterChain chain = new MockFilterChain();
			filter.doFilter(new MockHttpServletRequest("GET", "/fast"), response, chain);
			// Not a subscription: passed on as it came.
			assertThat(chain.getResponse()).isSameAs(response);
		}
		assertThat(resolved).hasValue(1);
	}

	/**
	 * A {@code OncePerRequestFilter} sets and removes an attribute of its own on every
	 * request; on Tomcat each is a map write and a look for listeners to notify. Only a
	 * subscription declared by its path is marked, so that its end can pass its writes.
	 */
	@Test
	void onlyARequestDeclaredASubscriptionByItsPathIsMarkedAndWrapped() throws Exception {
		MvcStreamTracking tracking = new MvcStreamTracking(new ConnectionRegistry().streams(),
				List.of(new DeclaredSubscriptions(SubscriptionPaths.of(List.of("/events/**")))));
		SubscriptionResponseFilter filter = new SubscriptionResponseFilter(new CountingProvider(tracking,
				new AtomicInteger()));
		AttributeWrites fast = new AttributeWrites("/fast");
		MockHttpServletResponse response = new MockHttpServletResponse();
		MockFilterChain chain = new MockFilterChain();
		filter.doFilter(fast, response, chain);
		assertThat(fast.written).as("attributes written on a request that is no subscription").isEmpty();
		assertThat(chain.getResponse()).isSameAs(response);
		AttributeWrites events = new AttributeWrites("/events/feed");
		chain = new MockFilterChain();
		filter.doFilter(events, response, chain);
		assertThat(events.written).containsExactly(SubscriptionResponseFilter.class.getName() + ".endable");
		assertThat(chain.getResponse()).isNotSameAs(response);
	}

	private static final class AttributeWrites extends MockHttpServletRequest {

		private final List<String> written = new ArrayList<>();

		AttributeWrites(String path) {
			super("GET", path);
		}

		@Override
		public void setAttribute(String name, Object value) {
			this.written.add(name);
			super.setAttribute(name, value);
		}

	}

	private record CountingProvider(MvcStreamTracking tracking, AtomicInteger resolved)
			implements ObjectProvider<MvcStreamTracking> {

		@Override
		public MvcStreamTracking getObject() {
			this.resolved.incrementAndGet();
			return this.tracking;
		}

		@Override
		public MvcStreamTracking getObject(Object... args) {
			return getObject();
		}

		@Override
		public MvcStreamTracking getIfAvailable() {
			return getObject();
		}

		@Override
		public MvcStreamTracking getIfUnique() {
			return getObject();
		}

	}

}
