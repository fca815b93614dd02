/**
 * What server adapters implement and call, and all they see of the core: the
 * {@link io.github.terminator.core.spi.Connections connections} of a server, each
 * {@link io.github.terminator.core.spi.ConnectionControl connection} the drain acts on and
 * the {@link io.github.terminator.core.spi.ConnectionEvents events} an adapter reports of
 * it, the {@link io.github.terminator.core.spi.ServerAdapter server} as a whole, the
 * {@link io.github.terminator.core.spi.IdleCloses batches} in which an adapter closes idle
 * connections on the server's threads, and what adapters do to sockets themselves. Not for applications, which read
 * {@link io.github.terminator.core}.
 */
@NullMarked
package io.github.terminator.core.spi;

import org.jspecify.annotations.NullMarked;
