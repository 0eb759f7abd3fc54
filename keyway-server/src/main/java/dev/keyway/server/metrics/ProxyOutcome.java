package dev.keyway.server.metrics;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What became of one proxied exchange, as counted by {@code keyway_proxy_requests_total{outcome}}.
 * Decided from the audit event alone ({@link #of}), a pure function so the mapping is tested with a
 * table and the hot path does no more than a switch.
 */
public enum ProxyOutcome {
    /** An intercepted request that received a credential. */
    INJECTED,
    /** An intercepted request forwarded without a credential (no service matched, or nothing to inject). */
    FORWARDED,
    /** A blind CONNECT tunnel (unmatched host, tunnel policy) that ended. */
    TUNNELLED,
    /** An intercepted CONNECT (TLS terminated by Keyway) that ended; its requests count separately. */
    INTERCEPTED,
    /** Refused by Keyway (authentication, policy, rules, SSRF guard): see the {@code error_type} label. */
    DENIED,
    /** Keyway answered with an error after accepting the request (upstream unreachable, timeout, audit unavailable...). */
    ERROR,
    /** Not counted: the durable pre-forward {@code decision} record (the request is counted when it ends), watcher closes. */
    NONE;

    /** The label value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The outcome of an audit event.
     *
     * @param kind {@code decision}, {@code request}, {@code connect} or {@code denied}
     * @param status the status returned to the client (200 for an established CONNECT)
     */
    public static ProxyOutcome of(String kind, int status, boolean injected, @Nullable String errorType, @Nullable String mode) {
        return switch (kind) {
            case "denied" -> DENIED;
            case "request" -> errorType != null ? ERROR : injected ? INJECTED : FORWARDED;
            case "connect" -> status != 200 ? NONE : switch (mode == null ? "" : mode) {
                case "tunnel" -> TUNNELLED;
                case "intercept" -> INTERCEPTED;
                default -> NONE;
            };
            default -> NONE;
        };
    }
}
