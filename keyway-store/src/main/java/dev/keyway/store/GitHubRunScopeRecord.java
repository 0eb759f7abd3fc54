package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A per-run narrowing of GitHub App installation tokens, bound to the run's token: the proxy injects
 * that token's github-app credentials with installation tokens minted for these repositories and
 * permissions only. The store keeps both as opaque JSON; the server validates and parses them.
 *
 * @param tokenId the run's token (one narrowing per token, set once)
 * @param repositoriesJson a JSON array of repository names ({@code owner/name} or {@code name}), or null
 * @param permissionsJson a JSON object of permission → level, or null
 */
public record GitHubRunScopeRecord(String tokenId, @Nullable String repositoriesJson, @Nullable String permissionsJson,
        Instant createdAt) {}
