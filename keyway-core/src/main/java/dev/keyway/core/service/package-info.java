/**
 * Services: the rules that say which upstream requests Keyway may touch and how a credential is
 * put on them. This is where "match → decide" lives (the "inject" step is in {@code
 * dev.keyway.core.inject}).
 *
 * <ul>
 *   <li>{@link dev.keyway.core.service.ServiceDefinition} and {@link
 *       dev.keyway.core.service.Injection}: the model, which is also the {@code services.yaml} /
 *       JSON wire format.
 *   <li>{@link dev.keyway.core.service.ServiceValidator}: every rule a definition must satisfy,
 *       with precise, user-facing messages.
 *   <li>{@link dev.keyway.core.service.VaultMatcher}: the compiled, immutable matcher the proxy
 *       asks for each CONNECT and each request.
 *   <li>{@link dev.keyway.core.service.ServiceCatalog}: built-in templates for well-known APIs.
 * </ul>
 *
 * <p>Pure code: no I/O, no clocks, no mutable static state.
 */
@NullMarked
package dev.keyway.core.service;

import org.jspecify.annotations.NullMarked;
