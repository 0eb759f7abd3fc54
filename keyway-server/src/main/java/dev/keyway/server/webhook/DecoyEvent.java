package dev.keyway.server.webhook;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A decoy credential was used through the proxy: who (token and actor), where to (method, host,
 * port), which decoy and where in the request it was found, and whether the token was revoked.
 * Never the decoy's value, the path or the query (they may carry it).
 *
 * @param header the header that carried it, or null when it was not in a header
 */
public record DecoyEvent(
        Instant time,
        String vault,
        String decoy,
        String tokenId,
        String actor,
        String method,
        String host,
        int port,
        @Nullable String service,
        String location,
        @Nullable String header,
        boolean revoked) {}
