package dev.keyway.server.api;

import dev.keyway.core.aws.AwsCredentials;
import dev.keyway.core.aws.CredentialProcessJson;
import dev.keyway.core.aws.RoleArn;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.aws.AwsAudit;
import dev.keyway.server.aws.AwsGrants;
import dev.keyway.server.aws.RunScope;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.Json;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.server.runtime.VaultRuntime;
import dev.keyway.store.AwsGrantRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code /v1/vaults/{vault}/aws/grants} (manage AWS grants; member role) and
 * {@code GET /v1/aws/credentials?grant=NAME} (the endpoint {@code keyway aws credential-process}
 * calls: any token with the proxy role on the vault, restricted tokens only for grants they were
 * given; the issue is audited durably before the credentials are returned).
 */
public final class AwsRoutes {
    private final Store store;
    private final VaultService vaults;
    private final ApiAuth auth;
    private final AuditTrail trail;
    private final AwsGrants grants;
    private final AwsAudit audit;
    private final Supplier<Snapshot> snapshot;
    private final Runnable onChange;

    public AwsRoutes(Store store, VaultService vaults, ApiAuth auth, AuditTrail trail, AwsGrants grants, AwsAudit audit,
            Supplier<Snapshot> snapshot, Runnable onChange) {
        this.store = store;
        this.vaults = vaults;
        this.auth = auth;
        this.trail = trail;
        this.grants = grants;
        this.audit = audit;
        this.snapshot = snapshot;
        this.onChange = onChange;
    }

    public void routes(Router r) {
        String base = "/v1/vaults/{vault}/aws/grants";
        r.post(base, RouteAccess.AUTHENTICATED, this::put);
        r.get(base, RouteAccess.AUTHENTICATED, this::list);
        r.get(base + "/{name}", RouteAccess.AUTHENTICATED, req -> {
            VaultRecord v = vault(auth.authenticate(req), req);
            return ApiResponse.ok(AwsGrants.view(find(v, req.param("name")), v.name()));
        });
        r.delete(base + "/{name}", RouteAccess.AUTHENTICATED, this::remove);
        r.get("/v1/aws/credentials", RouteAccess.AUTHENTICATED, this::credentials);
        r.post("/v1/aws/credentials", RouteAccess.AUTHENTICATED, this::scopedCredentials);
        r.post("/v1/aws/run-scope", RouteAccess.AUTHENTICATED, this::runScope);
    }

    private VaultRecord vault(Principal p, ApiRequest req) {
        VaultRecord v = vaults.get(req.param("vault"));
        Access.require(p, v.id(), v.name(), VaultRole.MEMBER);
        return v;
    }

    private ApiResponse put(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        AwsGrants.Input in = req.json(AwsGrants.Input.class);
        boolean existed = in.name() != null && store.awsGrant(v.id(), in.name().strip()).isPresent();
        Map<String, Object> extra = new LinkedHashMap<>();
        AwsGrantRecord g = grants.put(v, in, p.actor(), extra);
        onChange.run();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("grant", g.name());
        details.put("role_arn", g.roleArn());
        details.put("account", RoleArn.parse(g.roleArn()).accountId());
        details.put("region", g.region());
        details.put("mode", g.mode());
        trail.record(p, "aws.grant", v.name(), details);
        Map<String, Object> body = new LinkedHashMap<>(AwsGrants.view(g, v.name()));
        body.putAll(extra);
        return ApiResponse.json(existed ? 200 : 201, body);
    }

    private ApiResponse list(ApiRequest req) {
        VaultRecord v = vault(auth.authenticate(req), req);
        List<Map<String, Object>> out = store.listAwsGrants(v.id()).stream().map(g -> AwsGrants.view(g, v.name())).toList();
        return ApiResponse.ok(Map.of("grants", out));
    }

    private ApiResponse remove(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        AwsGrantRecord g = find(v, req.param("name"));
        store.deleteAwsGrant(v.id(), g.name());
        grants.cache().forget(g.id());
        onChange.run();
        trail.record(p, "aws.revoke", v.name(), Map.of("grant", g.name(), "role_arn", g.roleArn()));
        return ApiResponse.noContent();
    }

    /** The body of {@code POST /v1/aws/credentials}: a grant narrowed by a per-run policy and tags. */
    record ScopedInput(@Nullable String grant, @Nullable String vault, @Nullable String sessionPolicy,
            @Nullable Map<String, String> sessionTags) {}

    private ApiResponse credentials(ApiRequest req) {
        String header = req.queryParam("vault") != null ? req.queryParam("vault") : req.header("x-keyway-vault");
        return issue(req, auth.authenticate(req), req.queryParam("grant"), header, null);
    }

    private ApiResponse scopedCredentials(ApiRequest req) {
        Principal p = auth.authenticate(req);
        ScopedInput in = req.json(ScopedInput.class);
        RunScope scope = RunScope.of(in.sessionPolicy(), in.sessionTags());
        String header = in.vault() != null ? in.vault() : req.header("x-keyway-vault");
        return issue(req, p, in.grant(), header, scope);
    }

    /** The body of {@code POST /v1/aws/run-scope}: narrows a sign-mode grant for the calling run token. */
    record RunScopeInput(@Nullable String grant, @Nullable String vault, @Nullable String sessionPolicy,
            @Nullable Map<String, String> sessionTags) {}

    /**
     * Binds a per-run scope to the caller's own token, so the proxy signs its requests for a sign-mode
     * grant with a narrowed session. Only run tokens (scoped) qualify: a long-lived agent token would
     * narrow every request of the agent. Set once per token, so the program of a run cannot replace
     * (widen) its scope; the role is assumed once with the scope so STS refusals fail now.
     */
    private ApiResponse runScope(ApiRequest req) {
        Principal p = auth.authenticate(req);
        RunScopeInput in = req.json(RunScopeInput.class);
        RunTokens.require(p, "a per-run AWS scope");
        RunScope scope = RunScope.of(in.sessionPolicy(), in.sessionTags());
        if (scope == null) {
            throw KeywayException.validation("session_policy", "give a session policy, session tags or both");
        }
        String name = in.grant();
        if (name == null || name.isBlank()) {
            throw KeywayException.validation("grant", "the AWS grant's name is required");
        }
        String header = in.vault() != null ? in.vault() : req.header("x-keyway-vault");
        VaultRuntime vr = DiscoverRoutes.resolveVault(p, snapshot.get(), header);
        VaultRecord v = vr.vault();
        Access.require(p, v.id(), v.name(), VaultRole.PROXY);
        AwsGrantRecord g = find(v, name);
        if (!Access.mayUseService(p, g.name())) {
            throw new KeywayException(ErrorType.FORBIDDEN, "AWS grant '" + g.name() + "' is not granted to " + p.actor()
                    + "; it may use " + p.services());
        }
        if (!g.mode().equals(AwsGrants.SIGN)) {
            throw KeywayException.validation("grant", "AWS grant '" + g.name() + "' is in credential-process mode: send the "
                    + "scope with POST /v1/aws/credentials (keyway aws credential-process --session-policy-file)");
        }
        if (store.awsRunScope(p.tokenId()).isPresent()) {
            throw new KeywayException(ErrorType.CONFLICT, "this token already has an AWS run scope; it is set once per run "
                    + "token so it can only stay as narrow as it was");
        }
        grants.probeRunScope(g, v.name(), req.requestId(), scope);
        store.putAwsRunScope(new dev.keyway.store.AwsRunScopeRecord(p.tokenId(), g.name(), scope.policy(), scope.tagsJson(),
                java.time.Instant.now()));
        onChange.run();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("grant", g.name());
        details.put("token_id", p.tokenId());
        if (scope.policyHash() != null) {
            details.put("run_policy_sha256", scope.policyHash());
        }
        details.put("session_tags", scope.tags());
        trail.record(p, "aws.run_scope", v.name(), details);
        return ApiResponse.json(201, details);
    }

    private ApiResponse issue(ApiRequest req, Principal p, @Nullable String name, @Nullable String header,
            @Nullable RunScope scope) {
        if (name == null || name.isBlank()) {
            throw new KeywayException(ErrorType.BAD_REQUEST, "query parameter 'grant' is required (the AWS grant's name)",
                    Map.of("field", "grant"));
        }
        VaultRuntime vr = DiscoverRoutes.resolveVault(p, snapshot.get(), header);
        VaultRecord v = vr.vault();
        Access.require(p, v.id(), v.name(), VaultRole.PROXY);
        AwsGrantRecord g = find(v, name);
        if (!Access.mayUseService(p, g.name())) {
            throw new KeywayException(ErrorType.FORBIDDEN, "AWS grant '" + g.name() + "' is not granted to " + p.actor()
                    + "; it may use " + p.services());
        }
        AwsCredentials c = grants.credentialsFor(g, v.name(), req.requestId(), scope);
        Map<String, @Nullable Object> rec = new LinkedHashMap<>();
        rec.put("vault", v.name());
        rec.put("grant", g.name());
        rec.put("actor", p.actor());
        rec.put("token_id", p.tokenId());
        rec.put("role_arn", g.roleArn());
        rec.put("account", AwsAudit.account(g.roleArn()));
        rec.put("region", g.region());
        rec.put("expires_at", String.valueOf(c.expiration()));
        if (scope != null) {
            rec.put("run_policy_sha256", scope.policyHash());
            rec.put("session_tags", scope.tags());
        }
        try {
            audit.record("credentials.issue", rec, true).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new KeywayException(ErrorType.AUDIT_UNAVAILABLE, "the audit log cannot record this credential issue; refusing");
        }
        return new ApiResponse(200, ApiResponse.JSON, CredentialProcessJson.render(c).getBytes(StandardCharsets.UTF_8),
                Map.of("Cache-Control", "no-store"));
    }

    private AwsGrantRecord find(VaultRecord v, String name) {
        return store.awsGrant(v.id(), name).orElseThrow(() -> KeywayException.notFound("no AWS grant named '"
                + Names.printable(name) + "' in vault '" + v.name() + "'; see 'keyway aws grants --vault " + v.name() + "'"));
    }
}
