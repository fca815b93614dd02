/**
 * terminator's wiring for Spring Boot 4: one auto-configuration per embedded server.
 */
package io.github.terminator.boot4;
