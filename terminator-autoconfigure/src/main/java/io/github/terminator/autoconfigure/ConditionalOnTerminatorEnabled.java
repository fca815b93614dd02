package io.github.terminator.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Matches unless {@code terminator.enabled} is {@code false}, and stops the application
 * with a clear message when a {@code terminator.*} property is invalid. For terminator's
 * own auto-configurations, those of each Spring Boot line included.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@Conditional(OnTerminatorEnabledCondition.class)
public @interface ConditionalOnTerminatorEnabled {

}
