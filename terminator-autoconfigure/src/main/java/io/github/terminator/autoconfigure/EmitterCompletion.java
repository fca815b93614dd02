package io.github.terminator.autoconfigure;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.ApplicationListener;
import org.springframework.core.MethodParameter;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitterReturnValueHandler;

/**
 * Completes the application's {@link ResponseBodyEmitter}s ({@code SseEmitter} included)
 * when the drain starts, so that their clients get a clean end of stream, and reconnect
 * elsewhere, instead of being cut at the graceful timeout. Spring MVC keeps no list of
 * them: its handler of emitter return values is wrapped to see each one as a controller
 * returns it, and they are held weakly, so that one completed and forgotten is not kept.
 */
final class EmitterCompletion implements BeanPostProcessor, ApplicationListener<DrainStartedEvent> {

	private final Set<ResponseBodyEmitter> emitters = Collections.synchronizedSet(
			Collections.newSetFromMap(new WeakHashMap<ResponseBodyEmitter, Boolean>()));

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof RequestMappingHandlerAdapter adapter && adapter.getReturnValueHandlers() != null) {
			List<HandlerMethodReturnValueHandler> handlers = new ArrayList<>();
			for (HandlerMethodReturnValueHandler handler : adapter.getReturnValueHandlers()) {
				handlers.add((handler instanceof ResponseBodyEmitterReturnValueHandler) ? new Tracking(handler) : handler);
			}
			adapter.setReturnValueHandlers(handlers);
		}
		return bean;
	}

	@Override
	public void onApplicationEvent(DrainStartedEvent event) {
		List<ResponseBodyEmitter> open;
		synchronized (this.emitters) {
			open = new ArrayList<>(this.emitters);
			this.emitters.clear();
		}
		for (ResponseBodyEmitter emitter : open) {
			try {
				emitter.complete();
			}
			catch (RuntimeException ex) {
				// Its client went away meanwhile: nothing left to end.
			}
		}
	}

	/**
	 * Spring MVC's handler of emitter return values, which first notes the emitter.
	 */
	private final class Tracking implements HandlerMethodReturnValueHandler {

		private final HandlerMethodReturnValueHandler delegate;

		Tracking(HandlerMethodReturnValueHandler delegate) {
			this.delegate = delegate;
		}

		@Override
		public boolean supportsReturnType(MethodParameter returnType) {
			return this.delegate.supportsReturnType(returnType);
		}

		@Override
		public void handleReturnValue(Object returnValue, MethodParameter returnType,
				ModelAndViewContainer mavContainer, NativeWebRequest webRequest) throws Exception {
			Object body = (returnValue instanceof ResponseEntity<?> entity) ? entity.getBody() : returnValue;
			if (body instanceof ResponseBodyEmitter emitter) {
				EmitterCompletion.this.emitters.add(emitter);
			}
			this.delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
		}

	}

}
