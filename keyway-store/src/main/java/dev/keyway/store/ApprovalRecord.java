package dev.keyway.store;

import dev.keyway.core.approval.ApprovalState;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One request a proxy node holds for a human decision (issue 12 §3). Holds no secret: the path is
 * the client's own path without its query, taken before anything was injected.
 *
 * @param id {@code apr_…}
 * @param tokenId the proxy token that sent the request (an approval "for" a while applies to it only)
 * @param actor who sent it, e.g. {@code agent:claude}
 * @param service the matched service
 * @param path the request path without the query
 * @param bodyBytes the size of the buffered body (0 when none or not buffered)
 * @param node the node holding the request (for the operator; the decision works from any node)
 * @param expiresAt when the holding node answers {@code approval-timeout}
 * @param decidedBy the approver ({@code user:…}), or {@code proxy} for a timeout or cancellation
 * @param reason the approver's reason for a denial (shown to the agent), or why it ended otherwise
 * @param approvedUntil for an approval given "for" a while: until when the same request passes without asking
 */
public record ApprovalRecord(
        String id,
        String vaultId,
        ApprovalState state,
        String tokenId,
        String actor,
        String service,
        String method,
        String host,
        String path,
        long bodyBytes,
        String node,
        Instant createdAt,
        Instant expiresAt,
        @Nullable String decidedBy,
        @Nullable Instant decidedAt,
        @Nullable String reason,
        @Nullable Instant approvedUntil) {

    public ApprovalRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(vaultId, "vaultId");
        Objects.requireNonNull(state, "state");
    }

    /** A new pending approval (the store assigns the id when {@code id} is blank). */
    public static ApprovalRecord pending(String id, String vaultId, String tokenId, String actor, String service,
            String method, String host, String path, long bodyBytes, String node, Instant createdAt, Instant expiresAt) {
        return new ApprovalRecord(id, vaultId, ApprovalState.PENDING, tokenId, actor, service, method, host, path,
                bodyBytes, node, createdAt, expiresAt, null, null, null, null);
    }
}
