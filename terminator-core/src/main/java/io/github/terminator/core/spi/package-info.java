/**
 * What server adapters implement and call: the {@link io.github.terminator.core.spi.ServerAdapter
 * server} and each {@link io.github.terminator.core.spi.ConnectionControl connection} the drain acts
 * on, and the {@link io.github.terminator.core.spi.ConnectionEvents events} an adapter reports. Not
 * for applications, which read {@link io.github.terminator.core}.
 */
package io.github.terminator.core.spi;
