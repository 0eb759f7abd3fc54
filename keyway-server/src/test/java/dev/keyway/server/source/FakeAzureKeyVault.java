package dev.keyway.server.source;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local Microsoft identity platform token endpoint and Azure Key Vault secrets API, as Microsoft's
 * public documents describe them:
 * <ul>
 *   <li>"Microsoft identity platform and the OAuth 2.0 client credentials flow": {@code POST
 *       /TENANT/oauth2/v2.0/token} with {@code client_id}, {@code scope} ({@code https://vault.azure.net/.default}),
 *       {@code grant_type=client_credentials} and either {@code client_secret} or
 *       {@code client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer} with
 *       {@code client_assertion} (workload identity federation); answers {@code {"token_type":"Bearer",
 *       "expires_in":3599,"ext_expires_in":3599,"access_token":...}}, or 401 {@code invalid_client}
 *       ({@code AADSTS7000215: Invalid client secret provided...}), 400 {@code invalid_client}
 *       ({@code AADSTS700213: No matching federated identity record found for presented assertion
 *       subject...}), with {@code error_codes}, {@code trace_id}, {@code correlation_id};</li>
 *   <li>Key Vault REST reference, "Get Secret": {@code GET /secrets/NAME[/VERSION]?api-version=7.5}
 *       with {@code Authorization: Bearer}, answering {@code {"value","id":"https://VAULT.vault.azure.net/
 *       secrets/NAME/VERSION","attributes":{"enabled",...},"tags":{}}}; errors {@code {"error":{"code",
 *       "message"[,"innererror":{"code"}]}}}: 401 {@code Unauthorized} (AKV10000, with a
 *       {@code WWW-Authenticate: Bearer authorization=..., resource=...} challenge), 403 {@code Forbidden}
 *       / {@code ForbiddenByRbac}, 403 {@code SecretDisabled}, 404 {@code SecretNotFound}, 429
 *       {@code Throttled} with {@code Retry-After}, 503.</li>
 * </ul>
 * The vault's base URL is {@code http://127.0.0.1:PORT/VAULTNAME} (the source's
 * {@code --vault-url-template http://127.0.0.1:PORT/{vault}}), since tests cannot resolve
 * {@code VAULTNAME.vault.azure.net}. Every request is recorded before it is answered.
 */
public final class FakeAzureKeyVault implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();
    public static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    public static final String CLIENT_ID = "00001111-aaaa-2222-bbbb-3333cccc4444";
    private static final Pattern TOKEN = Pattern.compile("/([^/]+)/oauth2/v2\\.0/token");
    private static final Pattern SECRET = Pattern.compile("/([a-z0-9-]+)/secrets/([A-Za-z0-9-]+)(?:/([0-9a-f]{32}))?");

    /** One recorded request: method, path, query, Authorization header, form body. */
    public record Seen(String method, String path, String query, String authorization, Map<String, String> form) {}

    private record Version(String id, String value, boolean enabled) {}

    public final MockWebServer server = new MockWebServer();
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    public volatile String clientSecret = "Qk8Q~" + HexFormat.of().formatHex(FakeBitwarden.bytes(16));
    /** The federated token (e.g. a Kubernetes service-account token) the app's federated credential accepts now. */
    public volatile String federatedToken = "eyJhbGciOiJSUzI1NiJ9.e30.federated-1";
    private final Map<String, List<Version>> secrets = new ConcurrentHashMap<>(); // "vault/name" -> versions, latest last
    public final Set<String> tokens = ConcurrentHashMap.newKeySet();
    /** Whether the application has a role (Key Vault Secrets User) on the vault. */
    public volatile boolean granted = true;
    public volatile int forcedStatus;
    public volatile String retryAfter = "9";
    public final AtomicInteger minted = new AtomicInteger();

    public FakeAzureKeyVault() throws Exception {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                return answer(r);
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Adds a version and returns its id (32 hex digits). */
    public String addVersion(String vault, String name, String value) {
        String v = HexFormat.of().formatHex(FakeBitwarden.bytes(16));
        secrets.computeIfAbsent(vault + "/" + name, k -> new CopyOnWriteArrayList<>()).add(new Version(v, value, true));
        return v;
    }

    public void disableLatest(String vault, String name) {
        List<Version> l = secrets.get(vault + "/" + name);
        Version last = l.getLast();
        l.set(l.size() - 1, new Version(last.id(), last.value(), false));
    }

    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    private MockResponse answer(RecordedRequest r) {
        String path = r.getUrl().encodedPath();
        String query = r.getUrl().encodedQuery() == null ? "" : r.getUrl().encodedQuery();
        String auth = r.getHeaders().get("Authorization");
        Map<String, String> form = new HashMap<>();
        String body = r.getBody() == null ? "" : r.getBody().utf8();
        for (String kv : body.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                form.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        seen.add(new Seen(r.getMethod(), path, query, auth == null ? "" : auth, Map.copyOf(form)));
        Matcher t = TOKEN.matcher(path);
        if (t.matches() && "POST".equals(r.getMethod())) {
            if (!TENANT.equals(t.group(1))) {
                return aad(400, "invalid_request", 90002, "AADSTS90002: Tenant '" + t.group(1) + "' not found.");
            }
            if (!"client_credentials".equals(form.get("grant_type"))) {
                return aad(400, "unsupported_grant_type", 70003, "AADSTS70003: The app requested an unsupported grant type.");
            }
            if (!"https://vault.azure.net/.default".equals(form.get("scope"))) {
                return aad(400, "invalid_scope", 1002012, "AADSTS1002012: The provided value for scope is not valid.");
            }
            if (!CLIENT_ID.equals(form.get("client_id"))) {
                return aad(400, "unauthorized_client", 700016, "AADSTS700016: Application with identifier '" + form.get("client_id")
                        + "' was not found in the directory.");
            }
            if (form.containsKey("client_assertion")) {
                if (!"urn:ietf:params:oauth:client-assertion-type:jwt-bearer".equals(form.get("client_assertion_type"))
                        || !federatedToken.equals(form.get("client_assertion"))) {
                    return aad(400, "invalid_client", 700213, "AADSTS700213: No matching federated identity record found for "
                            + "presented assertion subject 'system:serviceaccount:default:keyway'.");
                }
            } else if (!clientSecret.equals(form.get("client_secret"))) {
                return aad(401, "invalid_client", 7000215, "AADSTS7000215: Invalid client secret provided. Ensure the secret being "
                        + "sent in the request is the client secret value, not the client secret ID, for a secret added to app '"
                        + CLIENT_ID + "'.");
            }
            String token = "eyJ0eXAiOiJKV1QifQ.kv-" + minted.incrementAndGet() + ".sig";
            tokens.add(token);
            return json(200, "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\"" + token + "\"}");
        }
        String bearer = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "";
        if (!tokens.contains(bearer)) {
            return new MockResponse.Builder().code(401)
                    .setHeader("WWW-Authenticate", "Bearer authorization=\"https://login.microsoftonline.com/" + TENANT
                            + "\", resource=\"https://vault.azure.net\"")
                    .setHeader("Content-Type", "application/json; charset=utf-8")
                    .body("{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer or PoP token.\"}}")
                    .build();
        }
        if (!query.contains("api-version=")) {
            return kv(400, "BadParameter", null, "The request URI contains an invalid or missing api-version.");
        }
        if (forcedStatus == 429) {
            return new MockResponse.Builder().code(429).setHeader("Retry-After", retryAfter)
                    .setHeader("Content-Type", "application/json; charset=utf-8")
                    .body("{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not processed because too many requests "
                            + "were received. Reason: A1\"}}").build();
        }
        if (forcedStatus != 0) {
            return kv(forcedStatus, "ServiceUnavailable", null, "The service is unavailable.");
        }
        Matcher m = SECRET.matcher(path);
        if (!m.matches() || !"GET".equals(r.getMethod())) {
            return kv(404, "NotFound", null, "The requested resource was not found.");
        }
        if (!granted) {
            return kv(403, "Forbidden", "ForbiddenByRbac", "Caller is not authorized to perform action on resource. Action: "
                    + "'Microsoft.KeyVault/vaults/secrets/getSecret/action'");
        }
        List<Version> versions = secrets.get(m.group(1) + "/" + m.group(2));
        Version v = null;
        if (versions != null && !versions.isEmpty()) {
            v = m.group(3) == null ? versions.getLast()
                    : versions.stream().filter(x -> x.id().equals(m.group(3))).findFirst().orElse(null);
        }
        if (v == null) {
            return kv(404, "SecretNotFound", null, "A secret with (name/id) " + m.group(2)
                    + (m.group(3) == null ? "" : "/" + m.group(3)) + " was not found in this key vault. If you recently deleted this "
                    + "secret you may be able to recover it using the correct recovery command.");
        }
        if (!v.enabled()) {
            return kv(403, "Forbidden", "SecretDisabled", "Operation get is not allowed on a disabled secret.");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("value", v.value());
        out.put("id", "https://" + m.group(1) + ".vault.azure.net/secrets/" + m.group(2) + "/" + v.id());
        ObjectNode a = out.putObject("attributes");
        a.put("enabled", true);
        a.put("created", 1767225600);
        a.put("updated", 1767225600);
        a.put("recoveryLevel", "Recoverable+Purgeable");
        a.put("recoverableDays", 90);
        out.putObject("tags");
        return json(200, out.toString());
    }

    private static MockResponse aad(int status, String error, int code, String description) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", error);
        o.put("error_description", description + "\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: "
                + "aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-01-01 00:00:00Z");
        o.putArray("error_codes").add(code);
        o.put("timestamp", "2026-01-01 00:00:00Z");
        o.put("trace_id", "0000aaaa-11bb-cccc-dd22-eeeeee333333");
        o.put("correlation_id", "aaaa0000-bb11-2222-33cc-444444dddddd");
        o.put("error_uri", "https://login.microsoftonline.com/error?code=" + code);
        return json(status, o.toString());
    }

    private static MockResponse kv(int status, String code, @Nullable String inner, String message) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode e = o.putObject("error");
        e.put("code", code);
        e.put("message", message);
        if (inner != null) {
            e.putObject("innererror").put("code", inner);
        }
        return json(status, o.toString());
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json; charset=utf-8").body(body).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
