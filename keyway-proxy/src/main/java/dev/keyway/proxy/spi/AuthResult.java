package dev.keyway.proxy.spi;

/** Outcome of proxy authentication. A rejection is answered with 407 and {@code Proxy-Authenticate}. */
public sealed interface AuthResult {
    record Authenticated(ProxyPrincipal principal) implements AuthResult {}

    record Rejected(ProxyProblem problem) implements AuthResult {}
}
