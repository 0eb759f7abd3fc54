package dev.keyway.server.api;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.oauth.GitHubNarrowing;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.store.GitHubRunScopeRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /v1/github/run-scope}: binds a narrowing of GitHub App installation tokens
 * (repositories and/or permissions) to the caller's own run token, so the proxy injects every
 * github-app credential for that token's requests with an installation token minted for the
 * narrowing only ({@code keyway run --github-repos/--github-permissions}). Like the AWS run scope:
 * only run tokens (type scoped) qualify, since a long-lived agent token would narrow every request
 * of the agent; set once per token, so the program of a run cannot replace (widen) it; stored with
 * the token (it survives a restart and reaches every cluster node through the snapshot).
 */
public final class GitHubRunScopeRoutes {
    private final Store store;
    private final ApiAuth auth;
    private final AuditTrail trail;
    private final Supplier<Snapshot> snapshot;
    private final Runnable onChange;
    private final Clock clock;

    public GitHubRunScopeRoutes(Store store, ApiAuth auth, AuditTrail trail, Supplier<Snapshot> snapshot, Runnable onChange,
            Clock clock) {
        this.store = store;
        this.auth = auth;
        this.trail = trail;
        this.snapshot = snapshot;
        this.onChange = onChange;
        this.clock = clock;
    }

    /** The body: repository names ({@code owner/name} or {@code name}) and permission → level. */
    record Input(@Nullable List<String> repositories, @Nullable Map<String, String> permissions, @Nullable String vault) {}

    public void routes(Router r) {
        r.post("/v1/github/run-scope", RouteAccess.AUTHENTICATED, this::runScope);
    }

    private ApiResponse runScope(ApiRequest req) {
        Principal p = auth.authenticate(req);
        Input in = req.json(Input.class);
        RunTokens.require(p, "a GitHub narrowing");
        GitHubNarrowing n = GitHubNarrowing.of(in.repositories(), in.permissions());
        if (n == null) {
            throw KeywayException.validation("repositories", "give repositories, permissions or both");
        }
        String header = in.vault() != null ? in.vault() : req.header("x-keyway-vault");
        VaultRecord v = DiscoverRoutes.resolveVault(p, snapshot.get(), header).vault();
        Access.require(p, v.id(), v.name(), VaultRole.PROXY);
        if (store.githubRunScope(p.tokenId()).isPresent()) {
            throw new KeywayException(ErrorType.CONFLICT, "this token already has a GitHub narrowing; it is set once per run "
                    + "token so it can only stay as narrow as it was");
        }
        store.putGitHubRunScope(new GitHubRunScopeRecord(p.tokenId(), n.repositoriesJson(), n.permissionsJson(), clock.instant()));
        onChange.run();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("token_id", p.tokenId());
        details.put("repositories", n.repositories());
        details.put("permissions", n.permissions());
        trail.record(p, "github.run_scope", v.name(), details);
        return ApiResponse.json(201, details);
    }
}
