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

	@Override
	public boolean isSubscription(HttpServletRequest request) {
		Object handler = request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE);
		if (handler instanceof HandlerMethod method && (method.hasMethodAnnotation(Subscription.class)
				|| AnnotatedElementUtils.hasAnnotation(method.getBeanType(), Subscription.class))) {
			return true;
		}
		return !this.paths.isEmpty() && this.paths.mayMatch(request.getRequestURI(), request.getContextPath())
				&& this.paths.matches(UrlPathHelper.defaultInstance.getPathWithinApplication(request));
	}

}
