/**
 * What a web application declares to terminator about its handlers.
 */
package io.github.terminator.web;
