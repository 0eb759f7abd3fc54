/**
 * The control-plane API under {@code /v1}: one class per area, each contributing its routes to the
 * shared {@link dev.keyway.server.http.Router}. Request and response bodies are records serialized
 * with snake_case members; secret values are accepted on write and never returned.
 */
@NullMarked
package dev.keyway.server.api;

import org.jspecify.annotations.NullMarked;
