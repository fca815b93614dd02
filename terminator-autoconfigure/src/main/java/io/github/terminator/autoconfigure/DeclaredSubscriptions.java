package io.github.terminator.autoconfigure;

import jakarta.servlet.http.HttpServletRequest;

import io.github.terminator.web.Subscription;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.util.UrlPathHelper;

/**
 * The subscriptions the application declares: handler methods or controllers annotated
 * {@link Subscription @Subscription}, and the paths of {@code terminator.subscriptions}.
 */
final class DeclaredSubscriptions implements ServletSubscriptions {

	private final SubscriptionPaths paths;

	DeclaredSubscriptions(SubscriptionPaths paths) {
		this.paths = paths;
	}

	/**
	 * Whether a handler, as Spring MVC or WebFlux picked it, is declared a subscription.
	 * @param handler the best-matching handler, or {@code null}
	 * @return {@code true} for a handler method annotated, or of a controller annotated,
	 * {@link Subscription @Subscription}
	 */
	static boolean isAnnotated(Object handler) {
		return handler instanceof HandlerMethod method && (method.hasMethodAnnotation(Subscription.class)
				|| AnnotatedElementUtils.hasAnnotation(method.getBeanType(), Subscription.class));
	}

	@Override
	public boolean isSubscription(HttpServletRequest request) {
		if (isAnnotated(request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE))) {
			return true;
		}
		return !this.paths.isEmpty() && this.paths.mayMatch(request.getRequestURI(), request.getContextPath())
				&& this.paths.matches(UrlPathHelper.defaultInstance.getPathWithinApplication(request));
	}

}
