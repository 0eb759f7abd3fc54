package dev.keyway.proxy.spi;

/**
 * What to do with a CONNECT, decided from the target host and port before any TLS bytes are read.
 */
public sealed interface ConnectDecision {
    /** Terminate TLS with a Keyway leaf certificate and evaluate each request. */
    record Intercept() implements ConnectDecision {}

    /** Relay bytes blindly (no interception; certificate-pinned tools keep working). */
    record Tunnel() implements ConnectDecision {}

    /** Refuse the CONNECT with this problem (e.g. 403 unmatched-host-denied). */
    record Deny(ProxyProblem problem) implements ConnectDecision {}
}
