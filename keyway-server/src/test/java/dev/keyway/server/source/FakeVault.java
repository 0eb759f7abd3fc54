package dev.keyway.server.source;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local HashiCorp Vault / OpenBao that speaks the parts of the HTTP API Keyway uses, as Vault's
 * public API documentation describes them (developer.hashicorp.com/vault/api-docs):
 * <ul>
 *   <li>"KV secrets engine - version 2": {@code GET /v1/:mount/data/:path?version=N} answers
 *       {@code {"data":{"data":{...},"metadata":{"version":N,...}}}}, 404 {@code {"errors":[]}} when
 *       missing;</li>
 *   <li>"KV secrets engine - version 1": {@code GET /v1/:mount/:path} answers {@code {"data":{...}}};</li>
 *   <li>"Token auth method": {@code GET /v1/auth/token/lookup-self} ({@code data.accessor},
 *       {@code data.display_name}, {@code data.policies}, {@code data.period}, {@code data.ttl},
 *       {@code data.type}, {@code data.renewable}), {@code POST /v1/auth/token/renew-self}
 *       ({@code auth.lease_duration}), {@code POST /v1/auth/token/create-orphan} ({@code policies},
 *       {@code period}, {@code display_name} stored as {@code token-NAME}, {@code meta}; answering
 *       {@code auth.client_token}, {@code auth.accessor}; 403 "permission denied" for a caller
 *       whose policies grant no {@code create}/{@code sudo} on that path, here any but {@code root}
 *       and {@link #TOKEN_ADMIN}), {@code POST /v1/auth/token/revoke-accessor} ({@code accessor};
 *       204, same capability rule) and {@code POST /v1/auth/token/revoke-self} (204);</li>
 *   <li>"AppRole auth method": {@code POST /v1/auth/approle/login} with {@code role_id} and
 *       {@code secret_id}, answering {@code auth.client_token}, {@code auth.lease_duration},
 *       {@code auth.renewable};</li>
 *   <li>"Kubernetes auth method": {@code POST /v1/auth/:mount/login} with {@code role} and
 *       {@code jwt} (the service account token), answering the same {@code auth} object; an unknown
 *       role is 400 {@code invalid role name "R"}, a JWT the TokenReview does not accept 403
 *       "permission denied";</li>
 *   <li>errors as {@code {"errors":["..."]}}: 403 "permission denied" for a missing or unknown
 *       {@code X-Vault-Token}, 503 "Vault is sealed", 429 with {@code Retry-After}.</li>
 * </ul>
 * Every request is recorded before it is answered (so a test that sees the answer also sees the record).
 */
public final class FakeVault implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** One recorded request: method, path with query, token and namespace headers. */
    public record Seen(String method, String target, String token, String namespace) {}

    public final MockWebServer server = new MockWebServer();
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** mount/path -> versions (index 0 = version 1) of field maps, for KV v2 mounts. */
    private final Map<String, List<Map<String, String>>> kv2 = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> kv1 = new ConcurrentHashMap<>();
    /** token -> remaining TTL seconds it reports. */
    public final Map<String, Long> tokens = new ConcurrentHashMap<>();
    /** path -> forced failure (status, errors message, retry-after or null). */
    private final Map<String, MockResponse> failures = new ConcurrentHashMap<>();
    public volatile String roleId = "";
    public volatile String secretId = "";
    /** Whether AppRole tokens are renewable (a role with token_max_ttl = token_ttl issues non-renewable ones). */
    public volatile boolean approleRenewable = false;
    public final AtomicInteger logins = new AtomicInteger();
    /** A policy that grants create-orphan and revoke-accessor (sudo on auth/token/*), like an admin's. */
    public static final String TOKEN_ADMIN = "token-admin";

    /** What lookup-self reports about a token besides its TTL. */
    public record TokenInfo(String accessor, List<String> policies, long period, String displayName, String type) {}

    public final Map<String, TokenInfo> info = new ConcurrentHashMap<>();
    public final List<String> revokedAccessors = new CopyOnWriteArrayList<>();
    public final AtomicInteger created = new AtomicInteger();

    /** Adds a service token with its lookup view (period 0: not periodic). */
    public void addToken(String token, long ttl, String accessor, List<String> policies, long period, String displayName) {
        tokens.put(token, ttl);
        info.put(token, new TokenInfo(accessor, List.copyOf(policies), period, displayName, "service"));
    }

    private TokenInfo info(String token) {
        return info.getOrDefault(token, new TokenInfo("acc-" + token, List.of("default"), 0, "token", "service"));
    }

    private boolean tokenAdmin(String token) {
        List<String> p = info(token).policies();
        return p.contains("root") || p.contains(TOKEN_ADMIN);
    }
    /** The Kubernetes auth mount, role and the one service-account JWT it accepts (set by a test to rotate it). */
    public volatile String k8sMount = "kubernetes";
    public volatile String k8sRole = "";
    public volatile String k8sJwt = "";
    public final AtomicInteger k8sLogins = new AtomicInteger();
    /** Whether Kubernetes-auth tokens are renewable (false: a role whose token_max_ttl equals its token_ttl). */
    public volatile boolean k8sRenewable = true;
    public final AtomicInteger renewals = new AtomicInteger();
    private final AtomicInteger minted = new AtomicInteger();

    public FakeVault() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String token = r.getHeaders().get("X-Vault-Token");
                String ns = r.getHeaders().get("X-Vault-Namespace");
                seen.add(new Seen(r.getMethod(), r.getTarget(), token == null ? "" : token, ns == null ? "" : ns));
                return answer(r, token);
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Writes a new KV v2 version at mount/path. */
    public void putV2(String mountAndPath, Map<String, String> data) {
        kv2.computeIfAbsent(mountAndPath, k -> new CopyOnWriteArrayList<>()).add(Map.copyOf(data));
    }

    public void putV1(String mountAndPath, Map<String, String> data) {
        kv1.put(mountAndPath, Map.copyOf(data));
    }

    /** Makes every request whose path starts with {@code pathPrefix} fail with {@code status} and Vault's error body. */
    public void fail(String pathPrefix, int status, String error, String retryAfter) {
        MockResponse.Builder b = new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json")
                .body("{\"errors\":[\"" + error + "\"]}");
        if (retryAfter != null) {
            b.setHeader("Retry-After", retryAfter);
        }
        failures.put(pathPrefix, b.build());
    }

    public void heal(String pathPrefix) {
        failures.remove(pathPrefix);
    }

    /** How many reads of this KV path (any version) the fake has seen. */
    public long reads(String apiPath) {
        return seen.stream().filter(s -> s.method().equals("GET") && s.target().startsWith(apiPath)).count();
    }

    private MockResponse answer(RecordedRequest r, String token) {
        String target = r.getTarget();
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        for (Map.Entry<String, MockResponse> f : failures.entrySet()) {
            if (path.startsWith(f.getKey())) {
                return f.getValue();
            }
        }
        if (path.equals("/v1/auth/approle/login") && r.getMethod().equals("POST")) {
            JsonNode body = JSON.readTree(r.getBody() == null ? "{}" : r.getBody().utf8());
            if (!roleId.isEmpty() && roleId.equals(body.path("role_id").asString()) && secretId.equals(body.path("secret_id").asString())) {
                logins.incrementAndGet();
                String t = "hvs.approle-" + minted.incrementAndGet();
                tokens.put(t, 60L);
                return json(200, "{\"auth\":{\"client_token\":\"" + t + "\",\"accessor\":\"a\",\"policies\":[\"default\"],"
                        + "\"lease_duration\":60,\"renewable\":" + approleRenewable + "}}");
            }
            return json(400, "{\"errors\":[\"invalid role or secret ID\"]}");
        }
        if (path.equals("/v1/auth/" + k8sMount + "/login") && r.getMethod().equals("POST")) {
            JsonNode body = JSON.readTree(r.getBody() == null ? "{}" : r.getBody().utf8());
            String role = body.path("role").asString("");
            if (k8sRole.isEmpty() || !k8sRole.equals(role)) {
                return json(400, "{\"errors\":[\"invalid role name \\\"" + role + "\\\"\"]}");
            }
            if (k8sJwt.isEmpty() || !k8sJwt.equals(body.path("jwt").asString(""))) {
                return json(403, "{\"errors\":[\"permission denied\"]}");
            }
            k8sLogins.incrementAndGet();
            String t = "hvs.k8s-" + minted.incrementAndGet();
            tokens.put(t, 60L);
            return json(200, "{\"request_id\":\"r\",\"auth\":{\"client_token\":\"" + t + "\",\"accessor\":\"acc-" + t
                    + "\",\"policies\":[\"default\"],\"token_policies\":[\"default\"],\"metadata\":{\"role\":\"" + role
                    + "\",\"service_account_name\":\"keyway\",\"service_account_namespace\":\"default\"},"
                    + "\"lease_duration\":60,\"renewable\":" + k8sRenewable + "}}");
        }
        if (token == null || !tokens.containsKey(token)) {
            return json(403, "{\"errors\":[\"permission denied\"]}");
        }
        if (path.equals("/v1/auth/token/lookup-self")) {
            TokenInfo i = info(token);
            ObjectNode root = JSON.createObjectNode();
            ObjectNode d = root.putObject("data");
            d.put("accessor", i.accessor());
            d.put("display_name", i.displayName());
            d.putArray("policies").addAll(i.policies().stream().map(JSON.getNodeFactory()::textNode).toList());
            if (i.period() > 0) {
                d.put("period", i.period());
            }
            d.put("ttl", tokens.get(token));
            d.put("type", i.type());
            d.put("renewable", true);
            d.put("orphan", true);
            return json(200, root.toString());
        }
        if (path.equals("/v1/auth/token/create-orphan") && r.getMethod().equals("POST")) {
            if (!tokenAdmin(token)) {
                return json(403, "{\"errors\":[\"1 error occurred:\\n\\t* permission denied\\n\\n\"]}");
            }
            JsonNode body = JSON.readTree(r.getBody() == null ? "{}" : r.getBody().utf8());
            List<String> pol = new ArrayList<>(List.of("default"));
            body.path("policies").forEach(n -> { if (!pol.contains(n.asString())) pol.add(n.asString()); });
            String periodText = body.path("period").asString("0s");
            long period = Long.parseLong(periodText.substring(0, periodText.length() - 1));
            int n = minted.incrementAndGet();
            created.incrementAndGet();
            String t = "hvs.minted-" + n;
            addToken(t, period, "acc-minted-" + n, pol, period, "token-" + body.path("display_name").asString(""));
            return json(200, "{\"auth\":{\"client_token\":\"" + t + "\",\"accessor\":\"acc-minted-" + n + "\",\"policies\":"
                    + JSON.valueToTree(pol) + ",\"lease_duration\":" + period + ",\"renewable\":true,\"orphan\":true}}");
        }
        if (path.equals("/v1/auth/token/revoke-accessor") && r.getMethod().equals("POST")) {
            if (!tokenAdmin(token)) {
                return json(403, "{\"errors\":[\"permission denied\"]}");
            }
            String accessor = JSON.readTree(r.getBody() == null ? "{}" : r.getBody().utf8()).path("accessor").asString("");
            var hit = info.entrySet().stream().filter(e -> e.getValue().accessor().equals(accessor)).map(Map.Entry::getKey).findFirst();
            if (hit.isEmpty() || !tokens.containsKey(hit.get())) {
                return json(400, "{\"errors\":[\"invalid accessor\"]}");
            }
            tokens.remove(hit.get());
            revokedAccessors.add(accessor);
            return new MockResponse.Builder().code(204).build();
        }
        if (path.equals("/v1/auth/token/revoke-self") && r.getMethod().equals("POST")) {
            tokens.remove(token);
            revokedAccessors.add(info(token).accessor());
            return new MockResponse.Builder().code(204).build();
        }
        if (path.equals("/v1/auth/token/renew-self") && r.getMethod().equals("POST")) {
            renewals.incrementAndGet();
            return json(200, "{\"auth\":{\"client_token\":\"" + token + "\",\"lease_duration\":" + tokens.get(token)
                    + ",\"renewable\":true}}");
        }
        if (!r.getMethod().equals("GET")) {
            return json(405, "{\"errors\":[]}");
        }
        String[] parts = path.substring("/v1/".length()).split("/", 3);
        if (parts.length == 3 && parts[1].equals("data")) {
            List<Map<String, String>> versions = kv2.get(parts[0] + "/" + parts[2]);
            if (versions == null || versions.isEmpty()) {
                return json(404, "{\"errors\":[]}");
            }
            int v = versions.size();
            String q = r.getUrl().queryParameter("version");
            if (q != null) {
                v = Integer.parseInt(q);
                if (v < 1 || v > versions.size()) {
                    return json(404, "{\"errors\":[]}");
                }
            }
            ObjectNode root = JSON.createObjectNode();
            root.put("request_id", "r");
            root.put("lease_id", "");
            root.put("renewable", false);
            root.put("lease_duration", 0);
            ObjectNode data = root.putObject("data");
            ObjectNode fields = data.putObject("data");
            versions.get(v - 1).forEach(fields::put);
            ObjectNode meta = data.putObject("metadata");
            meta.put("created_time", "2026-01-01T00:00:00.000000Z");
            meta.put("deletion_time", "");
            meta.put("destroyed", false);
            meta.put("version", v);
            root.putNull("wrap_info");
            root.putNull("warnings");
            root.putNull("auth");
            return json(200, root.toString());
        }
        Map<String, String> v1 = kv1.get(path.substring("/v1/".length()));
        if (v1 != null) {
            ObjectNode root = JSON.createObjectNode();
            ObjectNode data = root.putObject("data");
            v1.forEach(data::put);
            root.put("lease_duration", 2764800);
            return json(200, root.toString());
        }
        return json(404, "{\"errors\":[]}");
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body).build();
    }

    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    @Override
    public void close() {
        server.close();
    }
}
