package dev.keyway.server.api;


import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.core.service.ServiceCatalog;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ServiceTemplate;
import dev.keyway.core.service.ServiceValidator;
import dev.keyway.core.service.ServiceWarnings;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.runtime.ServiceDocuments;
import dev.keyway.server.runtime.ServiceSpecs;
import dev.keyway.store.ServiceRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * {@code /v1/vaults/{vault}/services} and {@code /v1/catalog}: service definitions, validated with
 * the same rules whether they come from the CLI, a YAML apply, a template or the API.
 */
public final class ServiceRoutes {
    private final Store store;
    private final VaultService vaults;
    private final ApiAuth auth;
    private final AuditTrail trail;
    private final Runnable onChange;

    public ServiceRoutes(Store store, VaultService vaults, ApiAuth auth, AuditTrail trail, Runnable onChange) {
        this.store = store;
        this.vaults = vaults;
        this.auth = auth;
        this.trail = trail;
        this.onChange = onChange;
    }

    public record FromTemplate(String template, @Nullable String name, @Nullable String credential, @Nullable String host) {}

    public record Apply(List<JsonNode> services) {}

    /** What an apply did (or, dry, would do): names per kind, the changed fields per service, and warnings. */
    public record ApplyResult(List<String> added, List<String> changed, List<String> removed, boolean dryRun,
            List<Change> changes, List<String> warnings) {}

    /** The fields of one changed service that differ. */
    public record Change(String name, List<ServiceDocuments.FieldChange> fields) {}

    public void routes(Router r) {
        r.get("/v1/catalog", RouteAccess.AUTHENTICATED, req -> {
            auth.authenticate(req);
            List<Map<String, Object>> list = new ArrayList<>();
            for (ServiceTemplate t : ServiceCatalog.all()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", t.name());
                m.put("description", t.description());
                m.put("host", t.definition().host());
                m.put("credentials", List.copyOf(t.credentialNames()));
                m.put("service", ServiceSpecs.toTree(t.definition()));
                list.add(m);
            }
            return ApiResponse.ok(Map.of("templates", list));
        });
        String base = "/v1/vaults/{vault}/services";
        r.get(base, RouteAccess.AUTHENTICATED, this::list);
        r.post(base, RouteAccess.AUTHENTICATED, this::create);
        r.put(base, RouteAccess.AUTHENTICATED, this::apply);
        r.post(base + "/from-template", RouteAccess.AUTHENTICATED, this::fromTemplate);
        r.get(base + "/{name}", RouteAccess.AUTHENTICATED, req -> {
            VaultRecord v = vault(auth.authenticate(req), req);
            ServiceRecord rec = find(v, req.param("name"));
            return ApiResponse.ok(view(rec)).withHeader("ETag", etag(rec));
        });
        r.put(base + "/{name}", RouteAccess.AUTHENTICATED, this::replace);
        r.delete(base + "/{name}", RouteAccess.AUTHENTICATED, this::remove);
        r.post(base + "/{name}/enable", RouteAccess.AUTHENTICATED, req -> setEnabled(req, true));
        r.post(base + "/{name}/disable", RouteAccess.AUTHENTICATED, req -> setEnabled(req, false));
    }

    /** Loads the URL's vault; managing services needs the member role. */
    private VaultRecord vault(Principal p, ApiRequest req) {
        VaultRecord v = vaults.get(req.param("vault"));
        Access.require(p, v.id(), v.name(), VaultRole.MEMBER);
        return v;
    }

    private ApiResponse list(ApiRequest req) {
        VaultRecord v = vault(auth.authenticate(req), req);
        return ApiResponse.ok(Map.of("services", store.listServices(v.id()).stream().map(ServiceRoutes::view).toList()));
    }

    private ApiResponse create(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        ServiceDefinition def = ServiceSpecs.parse(req.jsonText());
        return save(p, v, def, "service.put");
    }

    private ApiResponse replace(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        ServiceDefinition def = ServiceSpecs.parse(req.jsonText());
        if (!def.name().equals(req.param("name"))) {
            throw KeywayException.validation("name", "the body's name '" + Names.printable(def.name())
                    + "' differs from the URL's '" + Names.printable(req.param("name")) + "'");
        }
        find(v, def.name());
        return save(p, v, def, "service.put", req.header("if-match"));
    }

    /**
     * The version of a stored service for optimistic concurrency ({@code ETag} / {@code If-Match}):
     * two operators (possibly on two cluster nodes) who read the same version cannot both replace
     * it; the second gets 409 {@code conflict} instead of silently undoing the first's change.
     */
    static String etag(ServiceRecord r) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] d = md.digest((r.specJson() + "\n" + r.enabled() + "\n" + r.updatedAt().toEpochMilli() + "\n" + r.updatedBy())
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "\"" + java.util.HexFormat.of().formatHex(d, 0, 12) + "\"";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private ApiResponse fromTemplate(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        FromTemplate body = req.json(FromTemplate.class);
        if (body.template() == null) {
            throw KeywayException.validation("template", "field 'template' is required; see GET /v1/catalog");
        }
        ServiceTemplate t = ServiceCatalog.get(body.template()).orElseThrow(() -> KeywayException.notFound(
                "no template named '" + Names.printable(body.template()) + "'" + ServiceDocuments.suggestion(body.template())
                        + "; see 'keyway service templates'"));
        ServiceDefinition def = ServiceCatalog.instantiate(t.name(), body.name() == null ? t.name() : body.name(),
                body.credential() == null ? Map.of() : t.singleCredentialOverride(body.credential()), body.host());
        return save(p, v, def, "service.put");
    }

    private ApiResponse save(Principal p, VaultRecord v, ServiceDefinition def, String action) {
        return save(p, v, def, action, null);
    }

    private record Saved(boolean existed, ServiceRecord rec) {}

    /** Validates and stores {@code def} in one transaction; with {@code ifMatch}, only over that version (else 409). */
    private ApiResponse save(Principal p, VaultRecord v, ServiceDefinition def, String action, @Nullable String ifMatch) {
        ServiceValidator.validate(def);
        Saved saved = store.atomically(s -> {
            ServiceRecord current = s.service(v.id(), def.name()).orElse(null);
            if (ifMatch != null && (current == null || !etag(current).equals(ifMatch.strip()))) {
                throw new KeywayException(ErrorType.CONFLICT, "service '" + Names.printable(def.name()) + "' was changed since "
                        + "you read it (If-Match " + Names.printable(ifMatch.strip()) + " is not its current ETag); read it again "
                        + "and re-apply your change", Map.of("service", def.name()));
            }
            List<ServiceDefinition> all = new ArrayList<>();
            for (ServiceRecord r : s.listServices(v.id())) {
                if (!r.name().equals(def.name())) {
                    all.add(ServiceSpecs.parse(r.specJson()));
                }
            }
            all.add(def);
            ServiceValidator.validateVault(all);
            return new Saved(current != null, s.putService(v.id(), def.name(), ServiceSpecs.toJson(def), def.enabled(), p.actor()));
        });
        boolean existed = saved.existed();
        ServiceRecord rec = saved.rec();
        onChange.run();
        trail.record(p, action, v.name(), Map.of("service", def.name(), "host", def.host()));
        Map<String, Object> out = view(rec);
        out.put("warnings", ServiceWarnings.of(def, credentialNames(v), v.name()));
        return ApiResponse.json(existed ? 200 : 201, out).withHeader("ETag", etag(rec));
    }

    private Set<String> credentialNames(VaultRecord v) {
        Set<String> out = new HashSet<>();
        store.listCredentials(v.id()).forEach(c -> out.add(c.name()));
        return out;
    }

    private ApiResponse remove(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        if (!store.deleteService(v.id(), req.param("name"))) {
            throw notFound(v, req.param("name"));
        }
        onChange.run();
        trail.record(p, "service.remove", v.name(), Map.of("service", req.param("name")));
        return ApiResponse.noContent();
    }

    private ApiResponse setEnabled(ApiRequest req, boolean enabled) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        // read and write in one transaction: a concurrent replace (on any node) is not undone by this flip
        ServiceDefinition def = store.atomically(s -> {
            ServiceRecord current = find(v, req.param("name"));
            ServiceDefinition d = ServiceSpecs.parse(current.specJson()).withEnabled(enabled);
            s.putService(v.id(), d.name(), ServiceSpecs.toJson(d), enabled, p.actor());
            return d;
        });
        onChange.run();
        trail.record(p, enabled ? "service.enable" : "service.disable", v.name(), Map.of("service", def.name()));
        return ApiResponse.ok(view(find(v, def.name())));
    }

    private ApiResponse apply(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vault(p, req);
        Apply body = req.json(Apply.class);
        if (body.services() == null) {
            throw KeywayException.validation("services", "field 'services' (a list) is required");
        }
        List<ServiceDefinition> defs = new ArrayList<>();
        for (int i = 0; i < body.services().size(); i++) {
            String field = "services[" + i + "]";
            try {
                ServiceDefinition d = ServiceDocuments.definition(body.services().get(i), field);
                ServiceValidator.validate(d);
                defs.add(d);
            } catch (KeywayException e) {
                throw new KeywayException(e.type(), e.detail().startsWith(field) ? e.detail() : field + ": " + e.detail(), e.extras());
            }
        }
        ServiceValidator.validateVault(defs);
        Map<String, ServiceDefinition> before = new LinkedHashMap<>();
        for (ServiceRecord r : store.listServices(v.id())) {
            before.put(r.name(), ServiceSpecs.parse(r.specJson()).withEnabled(r.enabled()));
        }
        Set<String> credentials = credentialNames(v);
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<Change> changes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<Store.ServiceSpec> specs = new ArrayList<>();
        for (ServiceDefinition d : defs) {
            String json = ServiceSpecs.toJson(d);
            ServiceDefinition old = before.get(d.name());
            if (old == null) {
                added.add(d.name());
            } else if (!Objects.equals(ServiceSpecs.toJson(old), json)) {
                changed.add(d.name());
                changes.add(new Change(d.name(), ServiceDocuments.diff(old, d)));
            }
            warnings.addAll(ServiceWarnings.of(d, credentials, v.name()));
            specs.add(new Store.ServiceSpec(d.name(), json, d.enabled()));
        }
        List<String> removed = before.keySet().stream().filter(n -> defs.stream().noneMatch(d -> d.name().equals(n))).toList();
        boolean dry = req.queryFlag("dry_run");
        if (!dry) {
            store.replaceServices(v.id(), specs, p.actor());
            onChange.run();
            trail.record(p, "service.apply", v.name(), Map.of("added", added, "changed", changed, "removed", removed));
        }
        return ApiResponse.ok(new ApplyResult(added, changed, removed, dry, changes, warnings));
    }

    private ServiceRecord find(VaultRecord v, String name) {
        return store.service(v.id(), name).orElseThrow(() -> notFound(v, name));
    }

    private static KeywayException notFound(VaultRecord v, String name) {
        return new KeywayException(ErrorType.NOT_FOUND, "service '" + Names.printable(name) + "' does not exist in vault '" + v.name() + "'");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> view(ServiceRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        Object tree = ServiceSpecs.toTree(ServiceSpecs.parse(r.specJson()).withEnabled(r.enabled()));
        if (tree instanceof JsonNode n) {
            n.properties().forEach(e -> m.put(e.getKey(), e.getValue()));
        }
        m.put("updated_at", r.updatedAt().toString());
        m.put("updated_by", r.updatedBy());
        return m;
    }
}
