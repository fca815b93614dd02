package io.github.terminator.autoconfigure;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.github.terminator.core.StreamRegistry;
import io.github.terminator.core.StreamRegistry.TrackedStream;

import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;
import org.springframework.web.context.request.async.WebAsyncManager;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Sees the streams of Spring MVC as their asynchronous processing starts and ends, and
 * registers each with the {@link StreamRegistry}: every {@code SseEmitter},
 * {@code ResponseBodyEmitter} and streamed {@code Flux} (through
 * {@link MvcStreamReturnValues}), every WebMvc.fn {@code ServerResponse.sse}, every
 * {@code StreamingResponseBody}, and the {@code DeferredResult}s declared subscriptions.
 * <p>
 * Only asynchronous requests pass here (and WebMvc.fn's, whose handler is not a method):
 * a controller's request answered at once costs nothing.
 */
final class MvcStreamTracking
		implements WebMvcConfigurer, HandlerInterceptor, DeferredResultProcessingInterceptor, CallableProcessingInterceptor {

	/**
	 * The request attribute that holds how to end the emitter a controller returned, set
	 * by {@link MvcStreamReturnValues} before Spring MVC starts its processing.
	 */
	static final String END_ATTRIBUTE = MvcStreamTracking.class.getName() + ".end";

	/**
	 * The request attribute that marks a {@code StreamingResponseBody} a controller
	 * returned, set by {@link MvcStreamReturnValues}.
	 */
	static final String STREAMING_BODY_ATTRIBUTE = MvcStreamTracking.class.getName() + ".streamingBody";

	private static final String STREAM_ATTRIBUTE = MvcStreamTracking.class.getName() + ".stream";

	private static final String EVENT_STREAM = "text/event-stream";

	private final StreamRegistry streams;

	private final List<ServletSubscriptions> subscriptions;

	MvcStreamTracking(StreamRegistry streams, List<ServletSubscriptions> subscriptions) {
		this.streams = streams;
		this.subscriptions = List.copyOf(subscriptions);
	}

	/**
	 * Watches a request whose handler returned an asynchronous value, before Spring MVC
	 * starts its processing. Registered request by request, not with Spring MVC's async
	 * support, which would register it again at every request, answered at once or not.
	 * @param request the request
	 */
	void watch(HttpServletRequest request) {
		WebAsyncManager async = WebAsyncUtils.getAsyncManager(request);
		async.registerDeferredResultInterceptor(STREAM_ATTRIBUTE, this);
		async.registerCallableInterceptor(STREAM_ATTRIBUTE, this);
	}

	@Override
	public void addInterceptors(InterceptorRegistry registry) {
		registry.addInterceptor(this);
	}

	/**
	 * Registers with the asynchronous processing of a WebMvc.fn request, whose handler
	 * returns no value that {@link MvcStreamReturnValues} sees: it may start it.
	 */
	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		if (!(handler instanceof HandlerMethod) && request.getDispatcherType() == DispatcherType.REQUEST) {
			WebAsyncUtils.getAsyncManager(request).registerDeferredResultInterceptor(STREAM_ATTRIBUTE, this);
		}
		return true;
	}

	/**
	 * Whether the request's stream is declared a subscription.
	 * @param request the request
	 * @return whether it is a subscription
	 */
	boolean isSubscription(HttpServletRequest request) {
		return declaring(request) != null;
	}

	private ServletSubscriptions declaring(HttpServletRequest request) {
		for (ServletSubscriptions subscriptions : this.subscriptions) {
			if (subscriptions.isSubscription(request)) {
				return subscriptions;
			}
		}
		return null;
	}

	/**
	 * Registers the stream once its asynchronous processing has started: an emitter, a
	 * WebMvc.fn event stream, or a long poll the application declared a subscription. A
	 * {@code DeferredResult} not declared is a request answered later, not a stream.
	 */
	@Override
	public <T> void preProcess(NativeWebRequest webRequest, DeferredResult<T> result) {
		HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
		if (request == null || request.getAttribute(STREAM_ATTRIBUTE) != null) {
			return;
		}
		ServletSubscriptions declaring = declaring(request);
		Runnable end = (Runnable) request.getAttribute(END_ATTRIBUTE);
		if (end == null) {
			HttpServletResponse response = webRequest.getNativeResponse(HttpServletResponse.class);
			String contentType = (response != null) ? response.getContentType() : null;
			if (contentType != null && contentType.startsWith(EVENT_STREAM)) {
				// ServerResponse.sse: what its SseBuilder's complete() does once flushed,
				// between two of the application's writes.
				end = SubscriptionResponseFilter.between(request, () -> result.setResult(null));
			}
			else if (declaring != null && webRequest instanceof AsyncListener timeouts) {
				end = () -> timeOut(timeouts);
			}
			else {
				return;
			}
		}
		open(request, declaring, end);
	}

	@Override
	public <T> void afterCompletion(NativeWebRequest request, DeferredResult<T> result) {
		finished(request);
	}

	/**
	 * Registers a {@code StreamingResponseBody}, which the application alone can end.
	 */
	@Override
	public <T> void beforeConcurrentHandling(NativeWebRequest webRequest, Callable<T> task) {
		HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
		if (request != null && request.getAttribute(STREAMING_BODY_ATTRIBUTE) != null
				&& request.getAttribute(STREAM_ATTRIBUTE) == null) {
			open(request, declaring(request), null);
		}
	}

	private void open(HttpServletRequest request, ServletSubscriptions declaring, Runnable end) {
		boolean subscription = declaring != null;
		request.setAttribute(STREAM_ATTRIBUTE,
				this.streams.open(subscription, subscription ? declaring.end(request, end) : end));
	}

	@Override
	public <T> void afterCompletion(NativeWebRequest request, Callable<T> task) {
		finished(request);
	}

	private static void finished(NativeWebRequest request) {
		if (request.getAttribute(STREAM_ATTRIBUTE, NativeWebRequest.SCOPE_REQUEST) instanceof TrackedStream stream) {
			stream.finished();
		}
	}

	/**
	 * Answers a long poll as its timeout would: the {@code DeferredResult}'s own timeout
	 * result or callback, else Spring MVC's answer to a timeout. The asynchronous request
	 * that started the processing runs its timeout handlers, as the container would.
	 */
	private static void timeOut(AsyncListener timeouts) {
		try {
			timeouts.onTimeout(null);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
