package dev.keyway.proxy.spi;

/**
 * What to do with a CONNECT, decided from the target host and port before any TLS bytes are read.
 */
public sealed interface ConnectDecision {
    /** Terminate TLS with a Keyway leaf certificate and evaluate each request. */
    record Intercept() implements ConnectDecision {}

    /** Relay bytes blindly (no interception; certificate-pinned tools keep working). */
    record Tunnel() implements ConnectDecision {}

    /**
     * Refuse the CONNECT with this problem (e.g. 403 unmatched-host-denied).
     *
     * <p>Clients do not show the body of a refused CONNECT (curl prints "CONNECT tunnel failed,
     * response 403", Python "Tunnel connection failed: 403"), so by default a denial is delivered
     * {@link Delivery#IN_TUNNEL in the tunnel}: the CONNECT is accepted, intercepted, and the first
     * request inside gets the problem as its response, which every client shows. Nothing is forwarded.
     */
    record Deny(ProxyProblem problem, Delivery delivery) implements ConnectDecision {
        /** The default delivery for the problem ({@link Delivery#forProblem}). */
        public Deny(ProxyProblem problem) {
            this(problem, Delivery.forProblem(problem));
        }
    }

    /** Where a {@link Deny} is answered. */
    enum Delivery {
        /** 200 to the CONNECT, TLS with a Keyway leaf, the problem as the answer to the first request, close. */
        IN_TUNNEL,
        /** The problem as the CONNECT's own response (clients show only its status line). */
        AT_CONNECT;

        /**
         * A 407 stays at CONNECT: it is about the proxy credentials, and inside a tunnel it would read as
         * the origin asking for proxy authentication. Every other denial is delivered in the tunnel.
         */
        public static Delivery forProblem(ProxyProblem p) {
            return p.status() == 407 ? AT_CONNECT : IN_TUNNEL;
        }
    }
}
