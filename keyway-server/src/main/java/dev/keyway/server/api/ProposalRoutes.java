package dev.keyway.server.api;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.Problems;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.proposal.ProposalAccess;
import dev.keyway.server.proposal.ProposalContent;
import dev.keyway.server.proposal.ProposalService;
import dev.keyway.server.proposal.ProposalViews;
import dev.keyway.server.proposal.ProposerGrant;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.store.ProposalRecord;
import dev.keyway.store.VaultRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code /v1/proposals}: agents propose services and credential slots; members of the vault list,
 * approve (with optional write-only credential values) or reject them. The proposer and the
 * proposal's approval token may view it. See docs/proposals.md.
 */
public final class ProposalRoutes {
    private final ProposalService proposals;
    private final VaultService vaults;
    private final Supplier<Snapshot> snapshot;
    private final ApiAuth auth;
    private final AuditTrail trail;

    public ProposalRoutes(ProposalService proposals, VaultService vaults, Supplier<Snapshot> snapshot, ApiAuth auth,
            AuditTrail trail) {
        this.proposals = proposals;
        this.vaults = vaults;
        this.snapshot = snapshot;
        this.auth = auth;
        this.trail = trail;
    }

    /** Approval body: values for requested credentials, write-only (never echoed, logged or audited). */
    public record Approve(@Nullable Map<String, String> credentials) {
        @Override
        public String toString() {
            return "Approve[credentials=" + (credentials == null ? "none" : credentials.keySet()) + "]";
        }
    }

    /** Rejection body: an optional reason, shown to the proposer. */
    public record Reject(@Nullable String reason) {}

    public void routes(Router r) {
        r.post("/v1/proposals", RouteAccess.AUTHENTICATED, this::create);
        r.get("/v1/proposals", RouteAccess.AUTHENTICATED, this::list);
        r.get("/v1/proposals/{id}", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            return ApiResponse.ok(view(proposals.view(p, req.param("id"))));
        });
        r.post("/v1/proposals/{id}/approve", RouteAccess.AUTHENTICATED, this::approve);
        r.post("/v1/proposals/{id}/reject", RouteAccess.AUTHENTICATED, this::reject);
    }

    private ApiResponse create(ApiRequest req) {
        Principal p = auth.authenticate(req);
        int max = proposals.limits().maxBodyBytes();
        if (req.body().length > max) {
            throw new KeywayException(ErrorType.PAYLOAD_TOO_LARGE, "a proposal body may be at most " + max / 1024
                    + " KiB (got " + req.body().length + " bytes); split it into several proposals");
        }
        ProposalService.CreateProposal body = req.json(ProposalService.CreateProposal.class);
        VaultRecord v;
        if (body.vault() != null) {
            v = vaults.get(body.vault());
            Access.require(p, v.id(), v.name(), VaultRole.PROXY);
        } else {
            v = DiscoverRoutes.resolveVault(p, snapshot.get(), req.header("x-keyway-vault")).vault();
        }
        ProposalService.Created c;
        try {
            c = proposals.create(p, v, body);
        } catch (KeywayException e) {
            if (e.type() == ErrorType.RATE_LIMITED && e.extras().get("retry_after") instanceof Long secs) {
                return Problems.of(e.type(), e.detail(), req.requestId(), e.extras()).withHeader("Retry-After", Long.toString(secs));
            }
            throw e;
        }
        ProposalRecord rec = c.record();
        List<String> flags = ProposalService.flags(rec);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("proposal", rec.id());
        details.put("services", c.content().definitions().stream().map(d -> d.name() + "@" + d.host()).toList());
        details.put("credentials", List.copyOf(c.content().slotNames()));
        details.put("flags", flags);
        trail.record(p, "proposal.create", v.name(), details);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", rec.id());
        out.put("status", rec.status());
        out.put("vault", v.name());
        out.put("approval_url", c.approvalUrl());
        out.put("expires_at", rec.expiresAt());
        out.put("flags", flags);
        out.put("warnings", c.content().warnings());
        return ApiResponse.created(out);
    }

    private ApiResponse list(ApiRequest req) {
        Principal p = auth.authenticate(req);
        if (p.type().equals(ProposalAccess.APPROVAL)) {
            throw new KeywayException(ErrorType.FORBIDDEN, "an approval token can only view its own proposal");
        }
        String vault = req.queryParam("vault");
        String vaultId = null;
        if (vault != null) {
            VaultRecord v = vaults.get(vault);
            Access.require(p, v.id(), v.name(), VaultRole.PROXY);
            vaultId = v.id();
        }
        int limit = req.queryInt("limit", 100, 1, 1000);
        List<Map<String, Object>> out = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        vaults.list().forEach(v -> names.put(v.id(), v.name()));
        Map<String, Set<String>> credentials = new HashMap<>();
        for (ProposalRecord rec : proposals.list(vaultId, req.queryParam("status"))) {
            ProposalContent c = ProposalService.content(rec);
            if (ProposalAccess.mayView(p, rec, c)) {
                out.add(ProposalViews.view(rec, c, names.getOrDefault(rec.vaultId(), rec.vaultId()),
                        credentials.computeIfAbsent(rec.vaultId(), id -> proposals.credentialNames(rec)), grantOf(rec, c)));
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return ApiResponse.ok(Map.of("proposals", out));
    }

    private ApiResponse approve(ApiRequest req) {
        Principal p = auth.authenticate(req);
        Approve body = req.body().length == 0 ? new Approve(null) : req.json(Approve.class);
        ProposalService.Approved a = proposals.approve(p, req.param("id"),
                body.credentials() == null ? Map.of() : body.credentials());
        VaultRecord v = proposals.vaultOf(a.record());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("proposal", a.record().id());
        details.put("proposed_by", a.record().createdBy());
        details.put("services", a.services());
        details.put("credentials_set", a.credentialsSet());
        details.put("flags", ProposalService.flags(a.record()));
        if (a.grant().agent() != null) {
            details.put("granted_agent", a.grant().agent());
            details.put("granted_services", a.grant().granted());
        }
        trail.record(p, "proposal.approve", v.name(), details);
        Map<String, Object> out = view(a.record());
        Map<String, Object> applied = new LinkedHashMap<>();
        applied.put("services", a.services());
        applied.put("credentials_set", a.credentialsSet());
        applied.put("credentials_missing", a.credentialsMissing());
        applied.put("proposer_grant", ProposalViews.grant(a.grant()));
        out.put("applied", applied);
        return ApiResponse.ok(out);
    }

    private ApiResponse reject(ApiRequest req) {
        Principal p = auth.authenticate(req);
        Reject body = req.body().length == 0 ? new Reject(null) : req.json(Reject.class);
        ProposalRecord rec = proposals.reject(p, req.param("id"), body.reason());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("proposal", rec.id());
        details.put("proposed_by", rec.createdBy());
        if (rec.reason() != null) {
            details.put("reason", rec.reason());
        }
        trail.record(p, "proposal.reject", proposals.vaultOf(rec).name(), details);
        return ApiResponse.ok(view(rec));
    }

    private Map<String, Object> view(ProposalRecord rec) {
        ProposalContent c = ProposalService.content(rec);
        return ProposalViews.view(rec, c, proposals.vaultOf(rec).name(), proposals.credentialNames(rec), grantOf(rec, c));
    }

    /** Only a pending proposal has a consequence still to come; a decided one shows none. */
    private ProposerGrant grantOf(ProposalRecord rec, ProposalContent c) {
        return rec.status().equals(ProposalService.PENDING) ? proposals.proposerGrant(rec, c) : ProposerGrant.NONE;
    }
}
