package dev.keyway.server.api;


import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.VaultRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** {@code /v1/vaults}: vault lifecycle, unmatched-host policy, and credentials (metadata out, values in). */
public final class VaultRoutes {
    private final VaultService vaults;
    private final ApiAuth auth;
    private final AuditTrail trail;

    public VaultRoutes(VaultService vaults, ApiAuth auth, AuditTrail trail) {
        this(vaults, auth, trail, null);
    }

    /** With credential sources: revealing a linked credential fetches its value (issue 10). */
    public VaultRoutes(VaultService vaults, ApiAuth auth, AuditTrail trail,
            dev.keyway.server.source.@Nullable LinkedCredentials linked) {
        this.vaults = vaults;
        this.auth = auth;
        this.trail = trail;
        this.linked = linked;
    }

    private final dev.keyway.server.source.@Nullable LinkedCredentials linked;

    public record VaultView(String id, String name, String unmatched, Instant createdAt, String createdBy) {
        static VaultView of(VaultRecord v) {
            return new VaultView(v.id(), v.name(), v.unmatchedPolicy(), v.createdAt(), v.createdBy());
        }
    }

    public record CreateVault(String name, @Nullable String unmatched) {}

    public record SetPolicy(String unmatched) {}

    /**
     * A credential's metadata; for a linked one also its source, reference and fetch windows (issue
     * 10); for an OAuth-minted one (kind {@code oauth}, issue 12) its state, {@code ok} or
     * {@code broken} (then {@code stateDetail} says why and how to re-authorize).
     */
    public record CredentialView(String name, @Nullable String description, int version, Instant createdAt,
            Instant updatedAt, String updatedBy, String kind, @Nullable String source, @Nullable String ref,
            @Nullable Long ttlSeconds, @Nullable Long maxStaleSeconds, @Nullable String state, @Nullable String stateDetail) {
        static CredentialView of(CredentialRecord c) {
            CredentialRecord.Link l = c.link();
            if (dev.keyway.server.source.OAuthCredentials.isOAuth(c)) {
                return new CredentialView(c.name(), c.description(), c.version(), c.createdAt(), c.updatedAt(), c.updatedBy(),
                        "oauth", null, null, null, null, null, null);
            }
            return new CredentialView(c.name(), c.description(), c.version(), c.createdAt(), c.updatedAt(), c.updatedBy(),
                    l == null ? "stored" : "linked", l == null ? null : l.source(), l == null ? null : l.ref(),
                    l == null ? null : l.ttlSeconds(), l == null ? null : l.maxStaleSeconds(), null, null);
        }

        /** With an OAuth credential's state (never a secret). */
        public CredentialView withState(dev.keyway.store.OAuthRecord o) {
            return new CredentialView(name, description, version, createdAt, updatedAt, updatedBy, kind, source, ref,
                    ttlSeconds, maxStaleSeconds, o.state().wire(), o.stateDetail());
        }
    }

    /** The value is write-only: it is accepted here and never returned by any endpoint. */
    public record SetCredential(String value, @Nullable String description) {
        @Override
        public String toString() {
            return "SetCredential[value=redacted]";
        }
    }

    public void routes(Router r) {
        r.get("/v1/vaults", RouteAccess.AUTHENTICATED, this::list);
        r.post("/v1/vaults", RouteAccess.AUTHENTICATED, this::create);
        r.get("/v1/vaults/{vault}", RouteAccess.AUTHENTICATED, req -> {
            VaultRecord v = vault(auth.authenticate(req), req, VaultRole.PROXY);
            return ApiResponse.ok(VaultView.of(v));
        });
        r.delete("/v1/vaults/{vault}", RouteAccess.AUTHENTICATED, this::delete);
        r.put("/v1/vaults/{vault}/policy", RouteAccess.AUTHENTICATED, this::setPolicy);
        r.get("/v1/vaults/{vault}/credentials", RouteAccess.AUTHENTICATED, this::listCredentials);
        r.get("/v1/vaults/{vault}/credentials/{name}", RouteAccess.AUTHENTICATED, req -> {
            VaultRecord v = vault(auth.authenticate(req), req, VaultRole.MEMBER);
            CredentialRecord c = vaults.credential(v.name(), req.param("name"));
            dev.keyway.server.source.OAuthCredentials o = linked == null ? null : linked.oauth();
            java.util.Optional<dev.keyway.store.OAuthRecord> st = o == null ? java.util.Optional.empty()
                    : java.util.Optional.ofNullable(o.states(v.id()).get(c.name()));
            return ApiResponse.ok(st.map(x -> CredentialView.of(c).withState(x)).orElseGet(() -> CredentialView.of(c)));
        });
        r.get("/v1/vaults/{vault}/credentials/{name}/reveal", RouteAccess.AUTHENTICATED, this::reveal);
        r.put("/v1/vaults/{vault}/credentials/{name}", RouteAccess.AUTHENTICATED, this::setCredential);
        r.delete("/v1/vaults/{vault}/credentials/{name}", RouteAccess.AUTHENTICATED, this::deleteCredential);
    }

    private ApiResponse list(ApiRequest req) {
        Principal p = auth.authenticate(req);
        return ApiResponse.ok(Map.of("vaults", vaults.list().stream()
                .filter(v -> Access.roleOn(p, v.id()) != null).map(VaultView::of).toList()));
    }

    /** Loads the URL's vault and checks the caller's role on it. */
    private VaultRecord vault(Principal p, ApiRequest req, VaultRole min) {
        VaultRecord v = vaults.get(req.param("vault"));
        Access.require(p, v.id(), v.name(), min);
        return v;
    }

    private ApiResponse reveal(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vaults.get(req.param("vault"));
        Access.requireReveal(p, v.id(), v.name());
        CredentialRecord c = vaults.credential(v.name(), req.param("name"));
        CredentialRecord.Link link = c.link();
        if (link != null && linked == null) {
            throw new KeywayException(dev.keyway.core.error.ErrorType.CREDENTIAL_SOURCE_UNAVAILABLE,
                    "credential " + c.name() + " is linked to source '" + link.source() + "', and sources are not enabled");
        }
        byte[] value = link != null && linked != null ? SourceRoutes.reveal(linked, c) : vaults.decrypt(v, c);
        try {
            trail.recordOrFail(p, "credential.reveal", v.name(), link == null
                    ? Map.of("credential", c.name(), "version", c.version())
                    : Map.of("credential", c.name(), "version", c.version(), "source", link.source(), "ref", link.ref()));
            return ApiResponse.ok(Map.of("name", c.name(), "version", c.version(),
                    "value", new String(value, StandardCharsets.UTF_8)));
        } finally {
            Arrays.fill(value, (byte) 0);
        }
    }

    private ApiResponse create(ApiRequest req) {
        Principal p = auth.authenticate(req);
        if (!p.user()) {
            throw new dev.keyway.core.error.KeywayException(dev.keyway.core.error.ErrorType.FORBIDDEN,
                    "only users (or the local admin token) can create vaults");
        }
        CreateVault body = req.json(CreateVault.class);
        if (body.name() == null) {
            throw KeywayException.validation("name", "field 'name' is required");
        }
        if (body.unmatched() != null && !VaultService.POLICIES.contains(body.unmatched())) {
            throw KeywayException.validation("unmatched", "unmatched-host policy must be one of tunnel, intercept, deny (got '"
                    + Names.printable(body.unmatched()) + "')");
        }
        VaultRecord v = vaults.create(body.name(), p.actor());
        if (!p.owner() && p.subjectId() != null) {
            vaults.grant(p.subjectId(), v, VaultRole.ADMIN);
        }
        if (body.unmatched() != null) {
            v = vaults.setPolicy(v.name(), body.unmatched());
        }
        trail.record(p, "vault.create", v.name(), Map.of());
        return ApiResponse.created(VaultView.of(v));
    }

    private ApiResponse delete(ApiRequest req) {
        Principal p = auth.authenticate(req);
        vault(p, req, VaultRole.ADMIN);
        vaults.delete(req.param("vault"));
        trail.record(p, "vault.delete", req.param("vault"), Map.of());
        return ApiResponse.noContent();
    }

    private ApiResponse setPolicy(ApiRequest req) {
        Principal p = auth.authenticate(req);
        vault(p, req, VaultRole.MEMBER);
        SetPolicy body = req.json(SetPolicy.class);
        if (body.unmatched() == null) {
            throw KeywayException.validation("unmatched", "field 'unmatched' is required (tunnel, intercept or deny)");
        }
        VaultRecord v = vaults.setPolicy(req.param("vault"), body.unmatched());
        trail.record(p, "vault.policy", v.name(), Map.of("unmatched", body.unmatched()));
        return ApiResponse.ok(VaultView.of(v));
    }

    private ApiResponse listCredentials(ApiRequest req) {
        vault(auth.authenticate(req), req, VaultRole.MEMBER);
        VaultRecord v = vaults.get(req.param("vault"));
        dev.keyway.server.source.OAuthCredentials o = linked == null ? null : linked.oauth();
        Map<String, dev.keyway.store.OAuthRecord> states = o == null ? Map.of() : o.states(v.id());
        List<CredentialView> list = vaults.listCredentials(req.param("vault")).stream().map(c -> {
            CredentialView cv = CredentialView.of(c);
            dev.keyway.store.OAuthRecord st = states.get(c.name());
            return st == null ? cv : cv.withState(st);
        }).toList();
        return ApiResponse.ok(Map.of("credentials", list));
    }

    private ApiResponse setCredential(ApiRequest req) {
        Principal p = auth.authenticate(req);
        vault(p, req, VaultRole.MEMBER);
        SetCredential body = req.json(SetCredential.class);
        if (body.value() == null) {
            throw KeywayException.validation("value", "field 'value' is required");
        }
        byte[] value = body.value().getBytes(StandardCharsets.UTF_8);
        try {
            CredentialRecord c = vaults.setCredential(req.param("vault"), req.param("name"), value, body.description(), p.actor());
            trail.record(p, "credential.set", req.param("vault"), Map.of("credential", c.name(), "version", c.version()));
            return ApiResponse.json(c.version() == 1 ? 201 : 200, CredentialView.of(c));
        } finally {
            Arrays.fill(value, (byte) 0);
        }
    }

    private ApiResponse deleteCredential(ApiRequest req) {
        Principal p = auth.authenticate(req);
        vault(p, req, VaultRole.MEMBER);
        vaults.deleteCredential(req.param("vault"), req.param("name"));
        trail.record(p, "credential.delete", req.param("vault"), Map.of("credential", req.param("name")));
        return ApiResponse.noContent();
    }
}
