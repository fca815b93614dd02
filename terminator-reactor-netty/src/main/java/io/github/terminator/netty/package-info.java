/**
 * terminator's adapter for Reactor Netty, the server of Spring WebFlux.
 */
@NullMarked
package io.github.terminator.netty;

import org.jspecify.annotations.NullMarked;
