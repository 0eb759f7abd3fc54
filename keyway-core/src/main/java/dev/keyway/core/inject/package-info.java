/**
 * Injection: how a credential gets onto a request once a service has allowed it. {@link
 * dev.keyway.core.inject.Injector} is the single place that implements every {@link
 * dev.keyway.core.service.Injection} kind (bearer, basic, headers, query, placeholder
 * substitution), the stripping of client copies of managed headers, and the encoding rules of each
 * request surface.
 *
 * <p>Plain values only ({@link dev.keyway.core.inject.HttpHead}): the proxy adapts its Netty
 * requests to them. Credential values come in through {@link
 * dev.keyway.core.inject.CredentialResolver}, are wiped after use where the API allows, and never
 * appear in a message, a {@code toString()} or a log.
 */
@NullMarked
package dev.keyway.core.inject;

import org.jspecify.annotations.NullMarked;
