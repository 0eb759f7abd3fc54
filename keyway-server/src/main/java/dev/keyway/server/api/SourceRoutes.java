package dev.keyway.server.api;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.core.source.FetchPolicy;
import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.core.time.Durations;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.source.LinkedCredentials;
import dev.keyway.server.source.SourceService;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.SourceRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code /v1/sources} (issue 10): credential sources, owner-only to add, remove and test; their
 * authentication secrets are write-only (accepted here, never returned: views list their names).
 * Also {@code PUT /v1/vaults/{vault}/credentials/{name}/link}, owner-only because a linked
 * reference can name any secret the source's identity can read, and the revealing of linked
 * credentials (a fetch, audited like any reveal).
 */
public final class SourceRoutes {
    static final Duration REVEAL_WAIT = Duration.ofSeconds(30);

    private final SourceService sources;
    private final LinkedCredentials linked;
    private final VaultService vaults;
    private final Store store;
    private final ApiAuth auth;
    private final AuditTrail trail;

    public SourceRoutes(SourceService sources, LinkedCredentials linked, VaultService vaults, Store store, ApiAuth auth,
            AuditTrail trail) {
        this.sources = sources;
        this.linked = linked;
        this.vaults = vaults;
        this.store = store;
        this.auth = auth;
        this.trail = trail;
    }

    /** Body of {@code POST /v1/sources}; secrets stay out of {@code toString}. */
    public record PutSource(@Nullable String name, @Nullable String type, @Nullable Map<String, Object> settings,
            @Nullable Map<String, String> secrets) {
        @Override
        public String toString() {
            return "PutSource[name=" + name + ", type=" + type + "]";
        }
    }

    public record TestSource(@Nullable String ref) {}

    public record LinkCredential(@Nullable String source, @Nullable String ref, @Nullable String ttl,
            @Nullable String maxStale, @Nullable String description) {}

    public void routes(Router r) {
        r.post("/v1/sources", RouteAccess.OWNER, this::put);
        r.get("/v1/sources", RouteAccess.OWNER, req -> {
            auth.requireAdmin(req);
            return ApiResponse.ok(Map.of("sources", sources.list().stream().map(sources::view).toList()));
        });
        r.get("/v1/sources/{name}", RouteAccess.OWNER, req -> {
            auth.requireAdmin(req);
            return ApiResponse.ok(sources.view(sources.get(req.param("name"))));
        });
        r.delete("/v1/sources/{name}", RouteAccess.OWNER, req -> {
            Principal p = auth.requireAdmin(req);
            SourceRecord s = sources.get(req.param("name"));
            sources.remove(s.name());
            trail.record(p, "source.remove", "", Map.of("source", s.name()));
            return ApiResponse.noContent();
        });
        r.post("/v1/sources/{name}/test", RouteAccess.OWNER, this::test);
        r.put("/v1/vaults/{vault}/credentials/{name}/link", RouteAccess.OWNER, this::link);
    }

    private ApiResponse put(ApiRequest req) {
        Principal p = auth.requireAdmin(req);
        PutSource body = req.json(PutSource.class);
        if (body.name() == null || body.type() == null) {
            throw KeywayException.validation(body.name() == null ? "name" : "type", "fields 'name' and 'type' are required");
        }
        Map<String, String> secrets = body.secrets() == null ? Map.of() : body.secrets();
        for (Map.Entry<String, String> e : secrets.entrySet()) {
            if (e.getValue() == null || e.getValue().isEmpty() || e.getValue().length() > 64 * 1024) {
                throw KeywayException.validation("secrets." + e.getKey(), "a secret must be 1-65536 characters");
            }
        }
        boolean existed = store.source(body.name()).isPresent();
        SourceRecord s = sources.put(body.name(), body.type(), body.settings() == null ? Map.of() : body.settings(), secrets,
                p.actor());
        trail.record(p, existed ? "source.update" : "source.add", "", Map.of("source", s.name(), "source_type", s.type(),
                "secrets", sources.secretNames(s)));
        return ApiResponse.json(existed ? 200 : 201, sources.view(s));
    }

    private ApiResponse test(ApiRequest req) {
        Principal p = auth.requireAdmin(req);
        SourceRecord s = sources.get(req.param("name"));
        TestSource body = req.json(TestSource.class);
        if (body.ref() == null) {
            throw KeywayException.validation("ref", "field 'ref' is required");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", s.name());
        out.put("ref", body.ref());
        try {
            Fetched f = sources.test(s.name(), body.ref());
            try {
                out.put("ok", true);
                out.put("bytes", f.value().length);
                out.put("version", f.version());
            } finally {
                Arrays.fill(f.value(), (byte) 0);
            }
        } catch (SourceFailure e) {
            out.put("ok", false);
            out.put("error", e.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            out.put("detail", e.describe());
        }
        trail.record(p, "source.test", "", Map.of("source", s.name(), "ref", body.ref(), "ok", out.get("ok")));
        return ApiResponse.ok(out);
    }

    private ApiResponse link(ApiRequest req) {
        Principal p = auth.requireAdmin(req);
        VaultRecord v = vaults.get(req.param("vault"));
        Access.require(p, v.id(), v.name(), dev.keyway.server.auth.VaultRole.MEMBER);
        String name = Names.credential(req.param("name"));
        LinkCredential body = req.json(LinkCredential.class);
        if (body.source() == null || body.ref() == null) {
            throw KeywayException.validation(body.source() == null ? "source" : "ref", "fields 'source' and 'ref' are required");
        }
        if (body.description() != null && body.description().length() > 500) {
            throw KeywayException.validation("description", "description is longer than 500 characters");
        }
        Duration ttl = body.ttl() == null ? FetchPolicy.DEFAULT_TTL : Durations.parse("ttl", body.ttl());
        if (ttl.compareTo(FetchPolicy.MIN_TTL) < 0 || ttl.compareTo(FetchPolicy.MAX_TTL) > 0) {
            throw KeywayException.validation("ttl", "ttl must be between 1s and 24h");
        }
        Duration maxStale = body.maxStale() == null ? Duration.ZERO : Durations.parse("max_stale", body.maxStale());
        if (maxStale.isNegative() || maxStale.compareTo(FetchPolicy.MAX_STALE) > 0) {
            throw KeywayException.validation("max_stale", "max-stale must be between 0 and 7d");
        }
        try {
            sources.open(body.source()).checkRef(body.ref());
        } catch (SourceFailure e) {
            throw KeywayException.validation("ref", "reference '" + Names.printable(body.ref()) + "' for source '"
                    + body.source() + "': " + e.getMessage());
        }
        boolean existed = store.credential(v.id(), name).isPresent();
        CredentialRecord c = store.linkCredential(v.id(), name, body.description(), p.actor(),
                new CredentialRecord.Link(body.source(), body.ref(), ttl.toSeconds(), maxStale.toSeconds()));
        vaults.changed();
        trail.record(p, "credential.link", v.name(), Map.of("credential", c.name(), "version", c.version(),
                "source", body.source(), "ref", body.ref()));
        return ApiResponse.json(existed ? 200 : 201, VaultRoutes.CredentialView.of(c));
    }

    /** The value of a linked credential for {@code credential reveal}; see {@link LinkedCredentials#await}. */
    public static byte[] reveal(LinkedCredentials linked, CredentialRecord c) {
        return linked.await(c, REVEAL_WAIT);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
