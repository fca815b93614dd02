package io.github.terminator.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that a handler method (or every handler method of a controller) serves a
 * <em>subscription</em>: an endless stream its client resumes, such as a notification
 * feed read by an {@code EventSource}, or a long poll. terminator ends a subscription
 * cleanly when the drain starts, so that its client reconnects to another instance at
 * once, instead of letting it run until the graceful timeout cuts it.
 * <p>
 * Every other stream is finite: it finishes like any request, within the graceful
 * timeout. How a subscription is ended depends on what the method returns: an
 * {@code SseEmitter} or {@code ResponseBodyEmitter} is completed; a {@code Flux} (or any
 * multi-value publisher) completes after the element being written; a
 * {@code DeferredResult} is answered as its timeout would answer it. A
 * {@code StreamingResponseBody} cannot be ended from outside: the application ends it on
 * the {@code DrainStartedEvent}. Paths can be declared without code too, with the
 * {@code terminator.subscriptions} property.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Subscription {

}
