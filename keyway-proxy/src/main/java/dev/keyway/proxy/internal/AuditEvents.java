package dev.keyway.proxy.internal;

import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.proxy.spi.ProxyPrincipal;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link ProxyAuditEvent}s with the engine's redaction rules: paths lose their query string
 * and are capped, and no header value ever enters an event.
 */
final class AuditEvents {
    static final int MAX_PATH = 256;

    private AuditEvents() {}

    static @Nullable String path(@Nullable String pathAndQuery) {
        if (pathAndQuery == null) {
            return null;
        }
        int cut = pathAndQuery.length();
        int q = pathAndQuery.indexOf('?');
        if (q >= 0) {
            cut = q;
        }
        int hash = pathAndQuery.indexOf('#');
        if (hash >= 0 && hash < cut) {
            cut = hash;
        }
        return pathAndQuery.substring(0, Math.min(cut, MAX_PATH));
    }

    static @Nullable String client(@Nullable InetSocketAddress a) {
        if (a == null) {
            return null;
        }
        return a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    }

    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Everything except the outcome; {@link #with} adds status, bytes, timing and error. */
    record Base(
            String kind,
            @Nullable String requestId,
            @Nullable ProxyPrincipal principal,
            @Nullable InetSocketAddress client,
            @Nullable String method,
            String host,
            int port,
            @Nullable String pathAndQuery,
            @Nullable String service,
            List<String> credentials,
            @Nullable String mode) {

        ProxyAuditEvent with(String k, int status, long bytesIn, long bytesOut, long durationMillis,
                @Nullable String errorType) {
            return with(k, status, bytesIn, bytesOut, durationMillis, errorType, -1);
        }

        /** With the response scan's count of redactions ({@code -1}: not scanned). */
        ProxyAuditEvent with(String k, int status, long bytesIn, long bytesOut, long durationMillis,
                @Nullable String errorType, long redactions) {
            return with(k, status, bytesIn, bytesOut, durationMillis, errorType, redactions, -1);
        }

        /** With the redaction count and the upstream's time to its response head ({@code -1}: none). */
        ProxyAuditEvent with(String k, int status, long bytesIn, long bytesOut, long durationMillis,
                @Nullable String errorType, long redactions, long upstreamNanos) {
            return new ProxyAuditEvent(k, Instant.now(), requestId,
                    principal == null ? null : principal.vaultName(),
                    principal == null ? null : principal.tokenId(),
                    principal == null ? null : principal.actor(),
                    AuditEvents.client(client), method, host, port, path(pathAndQuery), service,
                    !credentials.isEmpty(), credentials, status, bytesIn, bytesOut, durationMillis, errorType, mode,
                    null, 1, redactions, upstreamNanos);
        }
    }

    static Base base(String kind, @Nullable String requestId, @Nullable ProxyPrincipal principal,
            @Nullable InetSocketAddress client, @Nullable String method, String host, int port,
            @Nullable String pathAndQuery) {
        return new Base(kind, requestId, principal, client, method, host, port, pathAndQuery, null, List.of(), null);
    }

    static ProxyAuditEvent denied(@Nullable String requestId, @Nullable ProxyPrincipal principal,
            @Nullable InetSocketAddress client, @Nullable String method, String host, int port,
            @Nullable String pathAndQuery, @Nullable String service, int status, String errorType) {
        return new Base("denied", requestId, principal, client, method, host, port, pathAndQuery, service, List.of(), null)
                .with("denied", status, 0, 0, 0, errorType);
    }
}
