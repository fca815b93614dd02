/**
 * terminator's wiring for Spring Boot 3.5: one auto-configuration per embedded server.
 */
package io.github.terminator.boot3;
