package dev.keyway.server.api;

import dev.keyway.core.decoy.DecoyShape;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.core.service.PlaceholderFormat;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.DecoyRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code /v1/vaults/{vault}/decoys}: decoy credentials (issue 13 §7). A decoy is generated here
 * (random, shaped like a catalog template's key with {@code like}), handed to agents like a
 * placeholder by {@code /v1/discover} and {@code keyway run}, and bound to no service; the proxy
 * refuses and alerts on any request that carries one. Members manage them, like credentials. The
 * value is returned to members (it is bait an agent sees anyway) but never written to the audit log.
 */
public final class DecoyRoutes {
    /** Decoys per vault: they are compiled into the proxy's snapshot, so bounded. */
    public static final int MAX_PER_VAULT = 100;

    private final Store store;
    private final VaultService vaults;
    private final ApiAuth auth;
    private final AuditTrail trail;
    private final Runnable onChange;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public DecoyRoutes(Store store, VaultService vaults, ApiAuth auth, AuditTrail trail, Runnable onChange, Clock clock) {
        this.store = store;
        this.vaults = vaults;
        this.auth = auth;
        this.trail = trail;
        this.onChange = onChange;
        this.clock = clock;
    }

    /** A decoy as members see it: the value included (agents are given it as a placeholder). */
    public record DecoyView(String name, String kind, String value, @Nullable String like, boolean revokeOnUse,
            Instant createdAt, String createdBy) {
        static DecoyView of(DecoyRecord d) {
            return new DecoyView(d.name(), "decoy", d.value(), d.like(), d.revokeOnUse(), d.createdAt(), d.createdBy());
        }

        @Override
        public String toString() {
            return "DecoyView[" + name + "]";
        }
    }

    /** {@code like}: a catalog template name; {@code revoke_on_use}: revoke the token that uses it. */
    public record CreateDecoy(@Nullable String name, @Nullable String like, @Nullable Boolean revokeOnUse) {}

    public void routes(Router r) {
        r.get("/v1/vaults/{vault}/decoys", RouteAccess.AUTHENTICATED, this::list);
        r.post("/v1/vaults/{vault}/decoys", RouteAccess.AUTHENTICATED, this::create);
        r.delete("/v1/vaults/{vault}/decoys/{name}", RouteAccess.AUTHENTICATED, this::delete);
    }

    private VaultRecord vault(Principal p, ApiRequest req) {
        VaultRecord v = vaults.get(req.param("vault"));
        Access.require(p, v.id(), v.name(), VaultRole.MEMBER);
        return v;
    }

    private ApiResponse list(ApiRequest req) {
        VaultRecord v = vault(auth.authenticate(req), req);
        return ApiResponse.ok(Map.of("decoys", store.listDecoys(v.id()).stream().map(DecoyView::of).toList()));
    }

    private ApiResponse create(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        CreateDecoy body = req.json(CreateDecoy.class);
        String name = Names.credential(body.name());
        PlaceholderFormat like = null;
        if (body.like() != null) {
            like = DecoyShape.template(body.like()).orElseThrow(() -> KeywayException.validation("like",
                    "no catalog template named '" + Names.printable(body.like()) + "' with a placeholder; "
                            + "see 'keyway service templates'"));
        }
        if (store.listDecoys(v.id()).size() >= MAX_PER_VAULT) {
            throw KeywayException.validation("name", "vault '" + v.name() + "' already has " + MAX_PER_VAULT
                    + " decoys, the most it may have");
        }
        boolean revoke = Boolean.TRUE.equals(body.revokeOnUse());
        DecoyRecord d = store.insertDecoy(new DecoyRecord(v.id(), name, DecoyShape.generate(like, random), body.like(), revoke,
                clock.instant(), p.actor()));
        onChange.run();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("decoy", name);
        if (body.like() != null) {
            details.put("like", body.like());
        }
        details.put("revoke_on_use", revoke);
        trail.record(p, "decoy.create", v.name(), details);
        return ApiResponse.created(DecoyView.of(d));
    }

    private ApiResponse delete(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        String name = req.param("name");
        if (!store.deleteDecoy(v.id(), name)) {
            throw KeywayException.notFound("decoy '" + Names.printable(name) + "' does not exist in vault '" + v.name() + "'");
        }
        onChange.run();
        trail.record(p, "decoy.delete", v.name(), Map.of("decoy", name));
        return ApiResponse.noContent();
    }

    /** The names and values of a vault's decoys, for discovery and {@code keyway run}. */
    public static List<Map<String, Object>> forAgents(List<DecoyRecord> decoys) {
        return decoys.stream().<Map<String, Object>>map(d -> Map.of("name", d.name(), "env_var", d.name(), "placeholder", d.value()))
                .toList();
    }
}
