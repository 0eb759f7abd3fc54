package dev.keyway.store;

import dev.keyway.core.limit.RateLimit;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A stored rate limit: one token bucket over the requests of a vault that match every non-null
 * narrowing (service, agent, token, credential). One limit per (vault, scope): setting it again
 * replaces the rate and keeps the id.
 *
 * @param id {@code lim_…}; ignored by {@link Store#putLimit}
 * @param service name of the matched service the limit counts, or null for any
 * @param agentId id of the agent whose tokens it counts, or null for any
 * @param tokenId id of the one token it counts, or null for any
 * @param credential name of a credential the request has injected, or null for any
 */
public record LimitRecord(
        String id,
        String vaultId,
        @Nullable String service,
        @Nullable String agentId,
        @Nullable String tokenId,
        @Nullable String credential,
        RateLimit rate,
        Instant createdAt,
        String createdBy) {

    /** The narrowing as one string, unique per vault (the table's {@code scope_key}). */
    public String scopeKey() {
        return "service=" + nz(service) + "\nagent=" + nz(agentId) + "\ntoken=" + nz(tokenId) + "\ncredential=" + nz(credential);
    }

    private static String nz(@Nullable String s) {
        return s == null ? "" : s;
    }

    /**
     * The result of {@link Store#leaseLimitTokens}: tokens taken from the limit's shared bucket.
     *
     * @param granted tokens taken, 0 to the number asked for
     * @param waitMillis when fewer were granted than asked: milliseconds until the shared bucket has
     *     a whole token again; 0 otherwise
     */
    public record Lease(long granted, long waitMillis) {}
}
