package dev.keyway.core.inject;

/**
 * The one definition of which request fields belong to the proxy and never to an upstream.
 *
 * <p>Why: {@code Proxy-Authorization} carries the agent's Keyway token and {@code Proxy-Connection} is a
 * non-standard hop-by-hop field; more generally every {@code Proxy-*} field (RFC 9110 §11.7) is addressed to
 * the proxy. The injector, the server's proxy policy (the head it hands to AWS signing and pass-through) and
 * the proxy's hop-by-hop hygiene used to keep their own lists, which disagreed (two exact names in two
 * places, the whole prefix in the third). A field is dropped everywhere if and only if this predicate says so.
 */
public final class ProxyHeaders {
    /** The prefix, lower case. */
    public static final String PREFIX = "proxy-";

    private ProxyHeaders() {}

    /** Whether the field {@code name} (any case) is addressed to the proxy and must not be forwarded. */
    public static boolean isProxyHeader(String name) {
        return name.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }
}
