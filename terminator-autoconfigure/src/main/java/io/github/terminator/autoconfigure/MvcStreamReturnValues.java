package io.github.terminator.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.http.ResponseEntity;
import org.springframework.util.ClassUtils;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.DeferredResultMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitterReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBodyReturnValueHandler;

/**
 * Shows {@link MvcStreamTracking} the streams controllers return, which Spring MVC keeps
 * no list of: its handlers of emitter, reactive and streaming return values are wrapped to
 * note how each stream can be ended before they start it. A {@code Flux} declared a
 * subscription is given an end that completes it after the element being written.
 */
final class MvcStreamReturnValues implements BeanPostProcessor {

	private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Flux",
			MvcStreamReturnValues.class.getClassLoader());

	/** A stream that is not ended from outside: it finishes or is cut. */
	private static final Runnable NOT_ENDED = () -> {
	};

	/**
	 * Resolved at its first use, once: resolving it through its provider at every request
	 * cost a tenth of a trivial request's time.
	 */
	private final SingletonSupplier<MvcStreamTracking> tracking;

	MvcStreamReturnValues(ObjectProvider<MvcStreamTracking> tracking) {
		this.tracking = SingletonSupplier.of(tracking::getIfAvailable);
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof RequestMappingHandlerAdapter adapter && adapter.getReturnValueHandlers() != null) {
			List<HandlerMethodReturnValueHandler> handlers = new ArrayList<>();
			for (HandlerMethodReturnValueHandler handler : adapter.getReturnValueHandlers()) {
				if (handler instanceof ResponseBodyEmitterReturnValueHandler) {
					handlers.add(new Emitters(handler));
				}
				else if (handler instanceof StreamingResponseBodyReturnValueHandler) {
					handlers.add(new StreamingBodies(handler));
				}
				else if (handler instanceof DeferredResultMethodReturnValueHandler) {
					handlers.add(new DeferredResults(handler));
				}
				else {
					handlers.add(handler);
				}
			}
			adapter.setReturnValueHandlers(handlers);
		}
		return bean;
	}

	private static Object body(Object returnValue) {
		return (returnValue instanceof ResponseEntity<?> entity) ? entity.getBody() : returnValue;
	}

	/**
	 * A wrapped handler of return values, which sees the value first.
	 */
	private abstract class Wrapped implements HandlerMethodReturnValueHandler {

		private final HandlerMethodReturnValueHandler delegate;

		Wrapped(HandlerMethodReturnValueHandler delegate) {
			this.delegate = delegate;
		}

		@Override
		public boolean supportsReturnType(MethodParameter returnType) {
			return this.delegate.supportsReturnType(returnType);
		}

		@Override
		public void handleReturnValue(Object returnValue, MethodParameter returnType,
				ModelAndViewContainer mavContainer, NativeWebRequest webRequest) throws Exception {
			HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
			Object value = returnValue;
			if (request != null && returnValue != null) {
				MvcStreamTracking tracking = MvcStreamReturnValues.this.tracking.get();
				if (tracking != null) {
					tracking.watch(request);
				}
				value = note(returnValue, request);
			}
			this.delegate.handleReturnValue(value, returnType, mavContainer, webRequest);
		}

		/**
		 * Notes the stream on the request.
		 * @return the value to hand to Spring MVC
		 */
		abstract Object note(Object returnValue, HttpServletRequest request);

	}

	/**
	 * Emitters and reactive types: {@code ResponseBodyEmitterReturnValueHandler}.
	 */
	private final class Emitters extends Wrapped {

		Emitters(HandlerMethodReturnValueHandler delegate) {
			super(delegate);
		}

		@Override
		Object note(Object returnValue, HttpServletRequest request) {
			Object body = body(returnValue);
			if (body instanceof ResponseBodyEmitter emitter) {
				request.setAttribute(MvcStreamTracking.END_ATTRIBUTE, (Runnable) emitter::complete);
				return returnValue;
			}
			if (body == null || !REACTOR_PRESENT) {
				return returnValue;
			}
			MvcStreamTracking tracking = MvcStreamReturnValues.this.tracking.get();
			if (tracking == null || !tracking.isSubscription(request)) {
				request.setAttribute(MvcStreamTracking.END_ATTRIBUTE, NOT_ENDED);
				return returnValue;
			}
			EndableStream endable = ReactiveSubscriptions.endable(body);
			if (endable == null) {
				return returnValue;
			}
			request.setAttribute(MvcStreamTracking.END_ATTRIBUTE, endable.end());
			return (returnValue instanceof ResponseEntity<?> entity)
					? new ResponseEntity<>(endable.publisher(), entity.getHeaders(), entity.getStatusCode())
					: endable.publisher();
		}

	}

	/**
	 * {@code StreamingResponseBody}: {@code StreamingResponseBodyReturnValueHandler}.
	 */
	private final class StreamingBodies extends Wrapped {

		StreamingBodies(HandlerMethodReturnValueHandler delegate) {
			super(delegate);
		}

		@Override
		Object note(Object returnValue, HttpServletRequest request) {
			if (body(returnValue) instanceof StreamingResponseBody) {
				request.setAttribute(MvcStreamTracking.STREAMING_BODY_ATTRIBUTE, Boolean.TRUE);
			}
			return returnValue;
		}

	}

	/**
	 * {@code DeferredResult}, {@code CompletionStage}: a long poll may be a declared
	 * subscription.
	 */
	private final class DeferredResults extends Wrapped {

		DeferredResults(HandlerMethodReturnValueHandler delegate) {
			super(delegate);
		}

		@Override
		Object note(Object returnValue, HttpServletRequest request) {
			return returnValue;
		}

	}

	/**
	 * A publisher to hand to Spring MVC, and how to end it.
	 */
	private record EndableStream(Object publisher, Runnable end) {

	}

	/**
	 * Reactive streams, loaded only where Reactor is.
	 */
	private static final class ReactiveSubscriptions {

		/**
		 * The multi-value publisher a controller returned, made to complete when it is
		 * ended, after the element being written: Spring MVC completes the response on that
		 * completion.
		 * @return the publisher and its end, or {@code null} for a single value, which a
		 * subscription is not
		 */
		static EndableStream endable(Object body) {
			ReactiveAdapter adapter = ReactiveAdapterRegistry.getSharedInstance().getAdapter(body.getClass());
			if (adapter == null || !adapter.isMultiValue()) {
				return null;
			}
			Sinks.One<Boolean> end = Sinks.one();
			return new EndableStream(Flux.from(adapter.toPublisher(body)).takeUntilOther(end.asMono()),
					() -> end.tryEmitValue(true));
		}

	}

}
