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
        @Nullable String mode) {
    public ProxyAuditEvent {
        credentials = List.copyOf(credentials);
    }
}
