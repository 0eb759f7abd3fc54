package dev.keyway.proxy.spi;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One audit record from the proxy. Metadata only: never header values, bodies, query strings or
 * credential values.
 *
 * @param kind {@code decision} (durable pre-forward record), {@code request}, {@code connect}
 *     (tunnel or intercept established/ended) or {@code denied}
 * @param path the path without query string, capped in length
 * @param status HTTP status returned to the client (0 when not applicable)
 * @param errorType problem slug when Keyway generated an error, else null
 * @param reason why proxy authentication failed ({@link AuthFailure#slug()}) on a 407 record, else null
 * @param count how many occurrences this record stands for: 1, or more for a summary of repeated
 *     failures (failed proxy authentication is aggregated per address and window)
 * @param redactions on a {@code request} record whose response was scanned for echoed secrets: how
 *     many occurrences were replaced (0 or more; never the values); -1 when it was not scanned (no
 *     credential injected, redaction off for the service, or another kind of record)
 * @param upstreamNanos on a {@code request} record: from the request going upstream to the
 *     upstream's response head (the upstream's own time, for the metrics); -1 when there was none
 */
public record ProxyAuditEvent(
        String kind,
        Instant time,
        @Nullable String requestId,
        @Nullable String vault,
        @Nullable String tokenId,
        @Nullable String actor,
        @Nullable String client,
        @Nullable String method,
        String host,
        int port,
        @Nullable String path,
        @Nullable String service,
        boolean injected,
        List<String> credentials,
        int status,
        long bytesIn,
        long bytesOut,
        long durationMillis,
        @Nullable String errorType,
        @Nullable String mode,
        @Nullable String reason,
        long count,
        long redactions,
        long upstreamNanos) {
    public ProxyAuditEvent {
        credentials = List.copyOf(credentials);
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1");
        }
    }

    /** A record without a response scan. */
    public ProxyAuditEvent(String kind, Instant time, @Nullable String requestId, @Nullable String vault,
            @Nullable String tokenId, @Nullable String actor, @Nullable String client, @Nullable String method, String host,
            int port, @Nullable String path, @Nullable String service, boolean injected, List<String> credentials,
            int status, long bytesIn, long bytesOut, long durationMillis, @Nullable String errorType,
            @Nullable String mode, @Nullable String reason, long count) {
        this(kind, time, requestId, vault, tokenId, actor, client, method, host, port, path, service, injected,
                credentials, status, bytesIn, bytesOut, durationMillis, errorType, mode, reason, count, -1, -1);
    }

    /** One occurrence. */
    public ProxyAuditEvent(String kind, Instant time, @Nullable String requestId, @Nullable String vault,
            @Nullable String tokenId, @Nullable String actor, @Nullable String client, @Nullable String method, String host,
            int port, @Nullable String path, @Nullable String service, boolean injected, List<String> credentials,
            int status, long bytesIn, long bytesOut, long durationMillis, @Nullable String errorType,
            @Nullable String mode) {
        this(kind, time, requestId, vault, tokenId, actor, client, method, host, port, path, service, injected,
                credentials, status, bytesIn, bytesOut, durationMillis, errorType, mode, null, 1, -1, -1);
    }
}
