package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A change an agent asked for (new services and/or credential slots), waiting for a human.
 *
 * @param status {@code pending}, {@code approved}, {@code rejected} or {@code expired}
 * @param bodyJson the requested change as JSON (services and credential slots)
 * @param createdBy the proposing actor (e.g. {@code agent:claude})
 * @param approvalTokenId id of the read-only approval token for the review link
 * @param flags comma-separated reviewer warnings, e.g. {@code existing-credential-new-host}
 */
public record ProposalRecord(
        String id,
        String vaultId,
        String status,
        String bodyJson,
        @Nullable String message,
        String createdBy,
        Instant createdAt,
        Instant expiresAt,
        @Nullable String reviewedBy,
        @Nullable Instant reviewedAt,
        @Nullable String reason,
        @Nullable String approvalTokenId,
        @Nullable String flags) {}
