/**
 * terminator's drain, whatever the server and the framework: the
 * {@link io.github.terminator.core.Terminator} that runs a termination, the
 * {@link io.github.terminator.core.ConnectionRegistry} of the server's connections and
 * the {@link io.github.terminator.core.StreamRegistry} of its streams, and the
 * {@link io.github.terminator.core.TerminationResult} a termination ends with.
 */
@NullMarked
package io.github.terminator.core;

import org.jspecify.annotations.NullMarked;
