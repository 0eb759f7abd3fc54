package dev.keyway.server.runtime;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.limit.RateLimit;
import dev.keyway.core.service.Names;
import dev.keyway.core.time.Durations;
import dev.keyway.store.LimitRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The {@code limits:} member of a {@code services.yaml} entry: rate limits on the requests of that
 * service, stored exactly like {@code keyway limit set --service} (one row per scope in the
 * {@code limits} table, so a cluster shares each bucket), written by {@code service apply} and
 * printed by {@code service export}.
 *
 * <pre>{@code
 * limits:
 *   - { requests: 100, per: 1m }                              # every request of the service
 *   - { requests: 10, per: 1m, agent: claude }                # one agent's requests
 *   - { requests: 5, per: 1s, token_id: tok_…, credential: GITHUB_TOKEN }
 * }</pre>
 *
 * Why a member of the service and not a file of its own: the service is implied, so a limit cannot
 * name a service the file does not define, and export → apply round-trips a vault's services with
 * their limits. An entry without {@code limits:} leaves its service's limits as they are (files
 * written before limits existed keep their meaning, and a member who may edit services but not
 * limits can still apply them); {@code limits: []} removes them. Pure: parsing and planning only;
 * {@code ServiceRoutes} resolves names and writes.
 */
public final class ServiceLimits {
    /** Members of one limit. */
    static final Set<String> MEMBERS = Set.of("requests", "per", "agent", "token_id", "credential");
    /** Limits one service may declare (bounded like everything read from a request). */
    public static final int MAX_PER_SERVICE = 32;

    private ServiceLimits() {}

    /**
     * One declared limit of a service.
     *
     * @param agent the agent's name whose tokens it counts, or null for any
     * @param tokenId the one token it counts, or null for any
     * @param credential a credential the request has injected, or null for any
     */
    public record Declared(@Nullable String agent, @Nullable String tokenId, @Nullable String credential, RateLimit rate) {
        /** A stable order for views and exports (by narrowing, the service-wide limit first), whatever the storage order. */
        public static final java.util.Comparator<Declared> ORDER = java.util.Comparator.comparing(Declared::key);

        /** The narrowing (not the rate): two declarations of one service with the same key are one limit. */
        String key() {
            return "agent=" + Objects.toString(agent, "") + "\ntoken=" + Objects.toString(tokenId, "") + "\ncredential="
                    + Objects.toString(credential, "");
        }

        /** The YAML/JSON form: only the members given. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("requests", rate.requests());
            m.put("per", Durations.format(rate.per()));
            if (agent != null) {
                m.put("agent", agent);
            }
            if (tokenId != null) {
                m.put("token_id", tokenId);
            }
            if (credential != null) {
                m.put("credential", credential);
            }
            return m;
        }

        /** As a person reads it: {@code 10 per 1m (agent claude)}. */
        public String show() {
            List<String> who = new ArrayList<>();
            if (agent != null) {
                who.add("agent " + agent);
            }
            if (tokenId != null) {
                who.add("token " + tokenId);
            }
            if (credential != null) {
                who.add("credential " + credential);
            }
            return rate.requests() + " per " + Durations.format(rate.per()) + (who.isEmpty() ? "" : " (" + String.join(", ", who) + ")");
        }
    }

    /**
     * Reads the {@code limits} member of the entry at {@code field} ({@code services[2]}): null when
     * the entry has none (its service's limits are not managed by the file). Errors name the field
     * ({@code services[2].limits[0].per}).
     */
    public static @Nullable List<Declared> read(JsonNode entry, String field) {
        if (entry == null || !entry.isObject() || !entry.has("limits")) {
            return null;
        }
        JsonNode limits = entry.get("limits");
        String f = field + ".limits";
        if (limits.isNull()) {
            return List.of();
        }
        if (!limits.isArray()) {
            throw invalid(f, "a list of limits such as [{requests: 100, per: 1m}]");
        }
        if (limits.size() > MAX_PER_SERVICE) {
            throw invalid(f, "at most " + MAX_PER_SERVICE + " limits per service");
        }
        List<Declared> out = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (int j = 0; j < limits.size(); j++) {
            Declared d = one(limits.get(j), f + "[" + j + "]");
            if (!keys.add(d.key())) {
                throw invalid(f + "[" + j + "]", "a second limit for the same agent, token and credential; each narrowing"
                        + " has one rate (the tightest of several would apply anyway)");
            }
            out.add(d);
        }
        return List.copyOf(out);
    }

    private static Declared one(JsonNode n, String f) {
        if (n == null || !n.isObject()) {
            throw invalid(f, "a limit is an object {requests, per, agent | token_id, credential}");
        }
        Set<String> unknown = new TreeSet<>();
        n.propertyNames().forEach(k -> {
            if (!MEMBERS.contains(k)) {
                unknown.add(k);
            }
        });
        if (!unknown.isEmpty()) {
            String k = unknown.iterator().next();
            throw invalid(f + "." + Names.printable(k), "unknown member '" + Names.printable(k)
                    + "'; expected requests, per, agent, token_id, credential (the service is implied)");
        }
        JsonNode requests = n.get("requests");
        if (requests == null || !requests.isIntegralNumber()) {
            throw invalid(f + ".requests", "'requests' is required: a whole number such as 100");
        }
        JsonNode per = n.get("per");
        if (per == null || !per.isString()) {
            throw invalid(f + ".per", "'per' is required: a duration such as 1m, 1h or 1d");
        }
        RateLimit rate;
        try {
            rate = new RateLimit(requests.asLong(), Durations.parse(f + ".per", per.asString()));
        } catch (KeywayException e) {
            Object sub = e.extras().get("field");
            String member = "requests".equals(sub) ? ".requests" : ".per";
            throw invalid(sub instanceof String s && s.startsWith(f) ? s : f + member, e.detail());
        }
        String agent = text(n, "agent", f);
        String tokenId = text(n, "token_id", f);
        String credential = text(n, "credential", f);
        if (agent != null && tokenId != null) {
            throw invalid(f + ".agent", "a limit names an agent or a token, not both");
        }
        if (agent != null && !Names.AGENT_NAME.matcher(agent).matches()) {
            throw invalid(f + ".agent", "'" + Names.printable(agent) + "' is not an agent name");
        }
        if (credential != null && !Names.isCredentialName(credential)) {
            throw invalid(f + ".credential", "'" + Names.printable(credential) + "' is not a credential name (UPPER_SNAKE_CASE)");
        }
        if (tokenId != null && (tokenId.length() > 64 || !Names.printable(tokenId).equals(tokenId))) {
            throw invalid(f + ".token_id", "not a token id ('keyway token list' shows them)");
        }
        return new Declared(agent, tokenId, credential, rate);
    }

    private static @Nullable String text(JsonNode n, String member, String f) {
        JsonNode v = n.get(member);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString() || v.asString().isBlank()) {
            throw invalid(f + "." + member, "'" + member + "' must be a non-empty string");
        }
        return v.asString().strip();
    }

    private static KeywayException invalid(String field, String detail) {
        return KeywayException.validation(field, field + ": " + detail);
    }

    /** What an apply does to one service's limits. */
    public record Plan(List<Declared> added, List<Changed> changed, List<LimitRecord> removed) {
        public boolean isEmpty() {
            return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
        }
    }

    /** A declared limit whose scope exists with another rate (setting it again refills the bucket, like {@code limit set}). */
    public record Changed(LimitRecord existing, Declared declared) {}

    /**
     * Compares a service's stored limits with the declared ones, matched by scope. {@code scopeOf}
     * turns a declaration into the stored scope key ({@link LimitRecord#scopeKey}), which needs the
     * agent's id.
     */
    public static Plan plan(List<LimitRecord> existing, List<Declared> declared, java.util.function.Function<Declared, String> scopeOf) {
        Map<String, LimitRecord> byScope = new LinkedHashMap<>();
        existing.forEach(l -> byScope.put(l.scopeKey(), l));
        List<Declared> added = new ArrayList<>();
        List<Changed> changed = new ArrayList<>();
        Set<String> kept = new HashSet<>();
        for (Declared d : declared) {
            String scope = scopeOf.apply(d);
            kept.add(scope);
            LimitRecord l = byScope.get(scope);
            if (l == null) {
                added.add(d);
            } else if (!l.rate().equals(d.rate())) {
                changed.add(new Changed(l, d));
            }
        }
        List<LimitRecord> removed = existing.stream().filter(l -> !kept.contains(l.scopeKey())).toList();
        return new Plan(List.copyOf(added), List.copyOf(changed), removed);
    }

    /** A list of limits as a person reads it, for the apply diff. */
    public static String show(List<Declared> limits) {
        return limits.isEmpty() ? "(none)" : "[" + String.join("; ", limits.stream().map(Declared::show).toList()) + "]";
    }
}
