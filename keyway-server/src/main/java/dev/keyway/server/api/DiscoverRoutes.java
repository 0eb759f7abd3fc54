package dev.keyway.server.api;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Injection;
import dev.keyway.core.service.Names;
import dev.keyway.core.service.ServiceCatalog;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.server.runtime.VaultRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /discover}: what the calling agent may use, so it never has to guess. Lists the
 * vault, the services this token may use (host, methods, paths, injection kind, the env var and
 * placeholder value an SDK should be given), the credential names (never values), the unmatched-
 * host policy and where to ask for more. The vault comes from the token, or the
 * {@code X-Keyway-Vault} header when the token has several.
 */
public final class DiscoverRoutes {
    private final Supplier<Snapshot> snapshot;
    private final ApiAuth auth;
    private final Supplier<String> proxyAddress;

    private final dev.keyway.store.@org.jspecify.annotations.Nullable Store store;

    public DiscoverRoutes(Supplier<Snapshot> snapshot, ApiAuth auth, Supplier<String> proxyAddress) {
        this(snapshot, auth, proxyAddress, null);
    }

    /** With a store: discovery also lists the vault's AWS grants the caller may use. */
    public DiscoverRoutes(Supplier<Snapshot> snapshot, ApiAuth auth, Supplier<String> proxyAddress,
            dev.keyway.store.@org.jspecify.annotations.Nullable Store store) {
        this.snapshot = snapshot;
        this.auth = auth;
        this.proxyAddress = proxyAddress;
        this.store = store;
    }

    public void routes(Router r) {
        r.get("/discover", RouteAccess.AUTHENTICATED, this::discover);
        r.get("/v1/discover", RouteAccess.AUTHENTICATED, this::discover);
    }

    private ApiResponse discover(ApiRequest req) {
        Principal p = auth.authenticate(req);
        Snapshot s = snapshot.get();
        VaultRuntime vr = resolveVault(p, s, req.header("x-keyway-vault"));
        VaultRole role = Access.roleOn(p, vr.vault().id());
        List<Map<String, Object>> services = new ArrayList<>();
        TreeSet<String> credentialNames = new TreeSet<>();
        for (ServiceDefinition d : vr.serviceList()) {
            if (!Access.mayUseService(p, d.name())) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", d.name());
            m.put("host", d.host());
            m.put("methods", d.methods().isEmpty() ? List.of("*") : d.methods());
            m.put("paths", d.paths().isEmpty() ? List.of("/**") : d.paths());
            m.put("enabled", d.enabled());
            m.put("inject", kind(d.injection()));
            List<Map<String, String>> env = new ArrayList<>();
            for (String cred : d.injection().credentialNames()) {
                credentialNames.add(cred);
                env.add(placeholder(d, cred));
            }
            m.put("env", env);
            if (d.description() != null) {
                m.put("description", d.description());
            }
            services.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("vault", vr.vault().name());
        out.put("role", role == null ? null : role.wire());
        out.put("actor", p.actor());
        out.put("proxy", proxyAddress.get());
        out.put("unmatched", vr.unmatchedPolicy());
        out.put("services", services);
        out.put("credentials", List.copyOf(credentialNames));
        // decoys are shown exactly like placeholders (an agent must not be able to tell them apart)
        TreeSet<String> available = new TreeSet<>(vr.credentials().keySet());
        List<Map<String, String>> extraEnv = new ArrayList<>();
        for (var d : vr.decoys().decoys()) {
            available.add(d.name());
            extraEnv.add(Map.of("name", d.name(), "value", d.value()));
        }
        out.put("available_credentials", List.copyOf(available));
        out.put("env", extraEnv);
        if (store != null) {
            List<Map<String, Object>> aws = new ArrayList<>();
            for (var g : store.listAwsGrants(vr.vault().id())) {
                if (Access.mayUseService(p, g.name())) {
                    aws.add(Map.of("name", g.name(), "mode", g.mode(), "region", g.region()));
                }
            }
            out.put("aws", aws);
        }
        out.put("propose", Map.of("endpoint", "POST /v1/proposals", "cli", "keyway proposal create", "skill", "/v1/skill.md"));
        out.put("expires_at", p.expiresAt());
        return ApiResponse.ok(out);
    }

    /**
     * The vault a discovery is about. Users choose it with {@code KEYWAY_VAULT} (or {@code --vault}),
     * which the CLI sends as the {@code X-Keyway-Vault} header; errors name what the user set and
     * list the vaults the token does have.
     */
    static VaultRuntime resolveVault(Principal p, Snapshot s, @Nullable String header) {
        List<String> ids = new ArrayList<>(p.grants().keySet());
        List<String> names = ids.stream().map(id -> s.vaultById(id).map(v -> v.vault().name()).orElse(id)).sorted().toList();
        if (header != null && !header.isBlank()) {
            String asked = Names.printable(header.strip());
            String choose = p.owner() ? "" : "; this token's vaults: " + names;
            VaultRuntime vr = s.vaultByName(header.strip()).orElseThrow(() -> KeywayException.notFound(
                    "vault '" + asked + "' (from KEYWAY_VAULT or --vault) does not exist" + choose));
            try {
                Access.require(p, vr.vault().id(), vr.vault().name(), VaultRole.PROXY);
            } catch (KeywayException e) {
                throw new KeywayException(e.type(), e.detail() + " (vault chosen by KEYWAY_VAULT or --vault)" + choose, e.extras());
            }
            return vr;
        }
        if (p.owner()) {
            return s.vaultByName("default").orElseThrow();
        }
        if (ids.size() == 1) {
            return s.vaultById(ids.getFirst()).orElseThrow(() -> KeywayException.notFound("the token's vault no longer exists"));
        }
        if (ids.isEmpty()) {
            throw new KeywayException(ErrorType.FORBIDDEN, p.actor() + " has no vault");
        }
        throw new KeywayException(ErrorType.BAD_REQUEST, "this token has several vaults " + names
                + "; choose one with KEYWAY_VAULT (or --vault), e.g. KEYWAY_VAULT=" + names.getFirst());
    }

    private static String kind(Injection i) {
        return switch (i) {
            case Injection.None n -> "none";
            case Injection.Bearer b -> "bearer";
            case Injection.Basic b -> "basic";
            case Injection.Headers h -> "header";
            case Injection.Query q -> "query";
            case Injection.Substitute s -> "substitute";
            case Injection.Hmac h -> "hmac";
            case Injection.Jwt j -> "jwt";
        };
    }

    /**
     * The env var an SDK reads for this credential and the harmless value to give it: the
     * substitution's own placeholder, else the catalog's shaped value (also for a template used with
     * renamed credentials), else a generic one.
     */
    static Map<String, String> placeholder(ServiceDefinition d, String credential) {
        var known = ServiceCatalog.placeholderFor(d, credential);
        if (d.injection() instanceof Injection.Substitute s) {
            return Map.of("name", known.map(f -> f.envVar()).orElse(credential), "value", s.placeholder());
        }
        return known
                .map(f -> Map.of("name", f.envVar(), "value", f.value()))
                .orElseGet(() -> Map.of("name", credential,
                        "value", "keyway-placeholder-" + credential.toLowerCase(Locale.ROOT).replace('_', '-')));
    }
}
