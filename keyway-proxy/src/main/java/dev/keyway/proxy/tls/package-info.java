/**
 * Keyway's private certificate authority and the leaf certificates the proxy presents when it
 * intercepts TLS, plus the trust used on the proxy's own upstream connections.
 *
 * <p>Agents trust the Keyway CA (installed by {@code keyway run} or by the operator); for every
 * intercepted host the proxy mints a short-lived ECDSA P-256 leaf signed by that CA. Leaves follow
 * the conventions browsers and TLS stacks expect (SAN only hostname matching, serverAuth EKU,
 * backdated {@code notBefore}, random serial, no SKI on leaves). EC P-256 everywhere: a full mint
 * costs about a quarter of a millisecond, where RSA key generation costs tens of milliseconds.
 *
 * <p>This is the only package allowed to import BouncyCastle, and only as a library for building
 * certificates: signatures are computed by the JDK's SunEC provider and no security provider is
 * ever registered.
 */
@NullMarked
package dev.keyway.proxy.tls;

import org.jspecify.annotations.NullMarked;
