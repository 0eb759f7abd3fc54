package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A per-run narrowing of a sign-mode AWS grant, bound to the run's token: the proxy signs that
 * token's AWS requests with a session assumed with this inline policy and these session tags. The
 * store keeps the tags as an opaque JSON object; the server validates and parses them.
 *
 * @param tokenId the run's token (one scope per token)
 * @param grantName the AWS grant the scope narrows
 * @param policy compact session policy JSON, or null
 * @param tagsJson session tags as a JSON object, or null
 */
public record AwsRunScopeRecord(String tokenId, String grantName, @Nullable String policy, @Nullable String tagsJson,
        Instant createdAt) {}
