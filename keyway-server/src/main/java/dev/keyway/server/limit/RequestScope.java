package dev.keyway.server.limit;

import dev.keyway.store.LimitRecord;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a limit can narrow on, for one request that is about to be forwarded.
 *
 * @param service the matched service, or null (no service matched: intercept mode)
 * @param agentId the agent the request's token belongs to, or null
 * @param tokenId the request's token
 * @param credentials names of the credentials the request injects
 */
public record RequestScope(@Nullable String service, @Nullable String agentId, String tokenId, Set<String> credentials) {
    public RequestScope {
        credentials = Set.copyOf(credentials);
    }

    /** True when every narrowing the limit names holds for this request (a limit that names none counts every request of its vault). */
    public boolean counts(LimitRecord l) {
        return (l.service() == null || l.service().equals(service))
                && (l.agentId() == null || l.agentId().equals(agentId))
                && (l.tokenId() == null || l.tokenId().equals(tokenId))
                && (l.credential() == null || credentials.contains(l.credential()));
    }

    /** The limits of {@code limits} this request counts against, in their order. */
    public List<LimitRecord> applicable(List<LimitRecord> limits) {
        return limits.stream().filter(this::counts).toList();
    }
}
