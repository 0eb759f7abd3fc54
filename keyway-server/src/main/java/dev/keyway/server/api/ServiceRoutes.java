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
import dev.keyway.server.runtime.ServiceLimits;
import dev.keyway.server.runtime.ServiceSpecs;
import dev.keyway.store.LimitRecord;
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

    /**
     * The vault's services; each with its {@code limits} (as {@code services.yaml} writes them) when
     * it has any, so {@code service export} and {@code list --json} apply back unchanged.
     */
    private ApiResponse list(ApiRequest req) {
        VaultRecord v = vault(auth.authenticate(req), req);
        Map<String, List<LimitRecord>> limits = serviceLimits(v);
        List<Map<String, Object>> out = new ArrayList<>();
        for (ServiceRecord r : store.listServices(v.id())) {
            List<LimitRecord> l = limits.get(r.name());
            if (l == null) {
                out.add(view(r));
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            view(r).forEach((k, val) -> {
                if (k.equals("updated_at")) { // the definition's members first, then the metadata
                    m.put("limits", declaredOf(l).stream().map(ServiceLimits.Declared::toJson).toList());
                }
                m.put(k, val);
            });
            out.add(m);
        }
        return ApiResponse.ok(Map.of("services", out));
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
        Map<String, List<ServiceLimits.Declared>> declaredLimits = new LinkedHashMap<>();
        Map<String, String> fieldOf = new LinkedHashMap<>();
        for (int i = 0; i < body.services().size(); i++) {
            String field = "services[" + i + "]";
            try {
                ServiceDefinition d = ServiceDocuments.definition(body.services().get(i), field);
                ServiceValidator.validate(d);
                defs.add(d);
                List<ServiceLimits.Declared> limits = ServiceLimits.read(body.services().get(i), field);
                if (limits != null) {
                    declaredLimits.put(d.name(), limits);
                }
                fieldOf.putIfAbsent(d.name(), field);
            } catch (KeywayException e) {
                throw new KeywayException(e.type(), e.detail().startsWith(field) ? e.detail() : field + ": " + e.detail(), e.extras());
            }
        }
        ServiceValidator.validateVault(defs);
        Map<String, ServiceDefinition> before = new LinkedHashMap<>();
        for (ServiceRecord r : store.listServices(v.id())) {
            before.put(r.name(), ServiceSpecs.parse(r.specJson()).withEnabled(r.enabled()));
        }
        Map<String, List<LimitRecord>> storedLimits = serviceLimits(v);
        Set<String> credentials = credentialNames(v);
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<Change> changes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<Store.ServiceSpec> specs = new ArrayList<>();
        Map<String, LimitWork> limitWork = new LinkedHashMap<>();
        for (ServiceDefinition d : defs) {
            String json = ServiceSpecs.toJson(d);
            ServiceDefinition old = before.get(d.name());
            List<LimitRecord> stored = storedLimits.getOrDefault(d.name(), List.of());
            List<ServiceLimits.Declared> declared = declaredLimits.get(d.name());
            LimitWork work = null;
            if (declared != null) {
                work = limitWork(v, d.name(), fieldOf.getOrDefault(d.name(), "services"), stored, declared, credentials, warnings);
                if (!work.plan().isEmpty()) {
                    limitWork.put(d.name(), work);
                }
            } else if (!stored.isEmpty()) {
                warnings.add("service " + d.name() + " has " + stored.size() + " rate limit(s) that this file does not list; they"
                        + " are kept ('limits:' in the entry manages them, 'limits: []' removes them)");
            }
            List<ServiceDocuments.FieldChange> fields = new ArrayList<>();
            if (old == null) {
                added.add(d.name());
            } else if (!Objects.equals(ServiceSpecs.toJson(old), json)) {
                fields.addAll(ServiceDocuments.diff(old, d));
            }
            if (declared != null && work != null && !work.plan().isEmpty()) {
                fields.add(new ServiceDocuments.FieldChange("limits", ServiceLimits.show(declaredOf(stored)),
                        ServiceLimits.show(declared)));
            }
            if (old != null && !fields.isEmpty()) {
                changed.add(d.name());
                changes.add(new Change(d.name(), fields));
            }
            warnings.addAll(ServiceWarnings.of(d, credentials, v.name()));
            specs.add(new Store.ServiceSpec(d.name(), json, d.enabled()));
        }
        if (!limitWork.isEmpty() && !p.owner()) {
            String which = String.join(", ", limitWork.keySet().stream().map(n -> fieldOf.get(n) + ".limits").toList());
            throw new KeywayException(ErrorType.FORBIDDEN, which + ": changing rate limits needs the instance owner (or the local"
                    + " admin token); " + p.actor() + " is not. Leave 'limits' as 'service export' prints them, or ask an owner",
                    Map.of("field", fieldOf.get(limitWork.keySet().iterator().next()) + ".limits"));
        }
        List<String> removed = before.keySet().stream().filter(n -> defs.stream().noneMatch(d -> d.name().equals(n))).toList();
        boolean dry = req.queryFlag("dry_run");
        if (!dry) {
            store.atomically(s -> {
                s.replaceServices(v.id(), specs, p.actor());
                for (LimitWork w : limitWork.values()) {
                    w.plan().removed().forEach(l -> s.deleteLimit(l.id()));
                    w.plan().changed().forEach(c -> s.putLimit(w.record(c.declared(), p.actor())));
                    w.plan().added().forEach(dl -> s.putLimit(w.record(dl, p.actor())));
                }
                return Boolean.TRUE;
            });
            onChange.run();
            trail.record(p, "service.apply", v.name(), Map.of("added", added, "changed", changed, "removed", removed));
            for (LimitWork w : limitWork.values()) {
                w.plan().removed().forEach(l -> trail.record(p, "limit.remove", v.name(),
                        limitAudit(w.service(), declared(l, agentNames()))));
                w.plan().changed().forEach(c -> trail.record(p, "limit.set", v.name(), limitAudit(w.service(), c.declared())));
                w.plan().added().forEach(dl -> trail.record(p, "limit.set", v.name(), limitAudit(w.service(), dl)));
            }
        }
        return ApiResponse.ok(new ApplyResult(added, changed, removed, dry, changes, warnings));
    }

    /** The limit changes of one service in an apply, with the agent ids its declarations name. */
    private record LimitWork(String vaultId, String service, ServiceLimits.Plan plan, Map<String, String> agentIds) {
        LimitRecord record(ServiceLimits.Declared d, String actor) {
            return new LimitRecord("", vaultId, service, d.agent() == null ? null : agentIds.get(d.agent()), d.tokenId(),
                    d.credential(), d.rate(), java.time.Instant.EPOCH, actor);
        }
    }

    /** Resolves a service's declared limits (agents and tokens must exist) and plans them against the stored ones. */
    private LimitWork limitWork(VaultRecord v, String service, String field, List<LimitRecord> stored,
            List<ServiceLimits.Declared> declared, Set<String> credentials, List<String> warnings) {
        Map<String, String> agentIds = new LinkedHashMap<>();
        for (int j = 0; j < declared.size(); j++) {
            ServiceLimits.Declared d = declared.get(j);
            String f = field + ".limits[" + j + "]";
            if (d.agent() != null) {
                String id = store.agentByName(d.agent()).map(dev.keyway.store.AgentRecord::id).orElseThrow(() ->
                        KeywayException.validation(f + ".agent", f + ".agent: no agent '" + d.agent() + "' ('keyway agent list')"));
                agentIds.put(d.agent(), id);
            }
            if (d.tokenId() != null) {
                dev.keyway.store.TokenRecord t = store.tokenById(d.tokenId()).orElseThrow(() ->
                        KeywayException.validation(f + ".token_id", f + ".token_id: no token '" + d.tokenId() + "'"));
                if (t.vaultId() != null && !t.vaultId().equals(v.id())) {
                    throw KeywayException.validation(f + ".token_id", f + ".token_id: token " + d.tokenId() + " is bound to another vault");
                }
            }
            if (d.credential() != null && !credentials.contains(d.credential())) {
                warnings.add(f + ": vault " + v.name() + " has no credential " + d.credential() + " yet; the limit counts"
                        + " nothing until a request injects it");
            }
        }
        LimitWork probe = new LimitWork(v.id(), service, new ServiceLimits.Plan(List.of(), List.of(), List.of()), agentIds);
        return new LimitWork(v.id(), service, ServiceLimits.plan(stored, declared, d -> probe.record(d, "").scopeKey()),
                agentIds);
    }

    /** The vault's limits that name a service, by service. */
    private Map<String, List<LimitRecord>> serviceLimits(VaultRecord v) {
        Map<String, List<LimitRecord>> out = new LinkedHashMap<>();
        for (LimitRecord l : store.listLimits(v.id())) {
            if (l.service() != null) {
                out.computeIfAbsent(l.service(), k -> new ArrayList<>()).add(l);
            }
        }
        return out;
    }

    private Map<String, String> agentNames() {
        Map<String, String> names = new java.util.HashMap<>();
        store.listAgents().forEach(a -> names.put(a.id(), a.name()));
        return names;
    }

    private List<ServiceLimits.Declared> declaredOf(List<LimitRecord> stored) {
        Map<String, String> names = stored.stream().anyMatch(l -> l.agentId() != null) ? agentNames() : Map.of();
        return stored.stream().map(l -> declared(l, names)).sorted(ServiceLimits.Declared.ORDER).toList();
    }

    /** A stored limit as its {@code services.yaml} entry (the agent by name). */
    private static ServiceLimits.Declared declared(LimitRecord l, Map<String, String> agentNames) {
        String agent = l.agentId() == null ? null : agentNames.getOrDefault(l.agentId(), l.agentId());
        return new ServiceLimits.Declared(agent, l.tokenId(), l.credential(), l.rate());
    }

    private static Map<String, Object> limitAudit(String service, ServiceLimits.Declared d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service", service);
        m.putAll(d.toJson());
        m.put("source", "service.apply");
        return m;
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
