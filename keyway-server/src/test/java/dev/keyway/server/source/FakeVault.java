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
 *   <li>"Token auth method": {@code GET /v1/auth/token/lookup-self} ({@code data.ttl},
 *       {@code data.renewable}) and {@code POST /v1/auth/token/renew-self} ({@code auth.lease_duration});</li>
 *   <li>"AppRole auth method": {@code POST /v1/auth/approle/login} with {@code role_id} and
 *       {@code secret_id}, answering {@code auth.client_token}, {@code auth.lease_duration},
 *       {@code auth.renewable};</li>
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
        if (token == null || !tokens.containsKey(token)) {
            return json(403, "{\"errors\":[\"permission denied\"]}");
        }
        if (path.equals("/v1/auth/token/lookup-self")) {
            return json(200, "{\"data\":{\"ttl\":" + tokens.get(token) + ",\"renewable\":true,\"policies\":[\"default\"]}}");
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
