package dev.keyway.server.source;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local Google OAuth 2.0 token endpoint and Secret Manager REST API v1, as Google's public
 * documents describe them:
 * <ul>
 *   <li>"Using OAuth 2.0 for Server to Server Applications": {@code POST /token} with
 *       {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT}; the JWT is
 *       RS256 with {@code iss}, {@code scope}, {@code aud} (the token endpoint), {@code iat},
 *       {@code exp} (at most one hour later); answers {@code {"access_token","expires_in":3599,
 *       "token_type":"Bearer"}}, or 400 {@code {"error":"invalid_grant","error_description":"Invalid
 *       JWT Signature."}};</li>
 *   <li>Secret Manager REST reference, {@code projects.secrets.versions.access}: {@code GET
 *       /v1/projects/P/secrets/S/versions/V:access} (V a number or {@code latest}) with
 *       {@code Authorization: Bearer}, answering {@code {"name":"projects/NUMBER/secrets/S/versions/N",
 *       "payload":{"data":BASE64,"dataCrc32c":"DECIMAL"}}};</li>
 *   <li>"About VM metadata" / "Authenticate using the metadata server": {@code GET
 *       /computeMetadata/v1/instance/service-accounts/default/token} answers {@code
 *       {"access_token","expires_in":3599,"token_type":"Bearer"}} only with the request header
 *       {@code Metadata-Flavor: Google} (else 403 "Missing Metadata-Flavor:Google header."), refuses a
 *       request with {@code X-Forwarded-For} (403), answers 404 when the instance has no service
 *       account, and sets {@code Metadata-Flavor: Google} on every answer;</li>
 *   <li>Google API errors {@code {"error":{"code":N,"message":"...","status":"..."}}}: 401
 *       {@code UNAUTHENTICATED}, 403 {@code PERMISSION_DENIED}, 404 {@code NOT_FOUND} ("Secret
 *       [projects/P/secrets/S] not found or has no versions."), 429 {@code RESOURCE_EXHAUSTED}, 503
 *       {@code UNAVAILABLE}.</li>
 * </ul>
 * Every request is recorded before it is answered.
 */
public final class FakeGcpSecretManager implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();
    public static final String EMAIL = "keyway-reader@my-project.iam.gserviceaccount.com";
    private static final Pattern ACCESS = Pattern.compile("/v1/projects/([^/]+)/secrets/([^/]+)/versions/([^/:]+):access");

    /** One recorded request: method, path, Authorization header (and, for /token, the JWT claims). */
    public record Seen(String method, String path, String authorization, JsonNode claims) {}

    public final MockWebServer server = new MockWebServer();
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    public final KeyPair keys;
    /** The key the service account has now (a deleted key is not this one). */
    public volatile PublicKey accepted;
    private final Map<String, List<String>> secrets = new ConcurrentHashMap<>(); // "P/S" -> versions
    /** Tokens issued -> whether they may access secrets (false: PERMISSION_DENIED). */
    public final Map<String, Boolean> tokens = new ConcurrentHashMap<>();
    public volatile boolean allowed = true;
    /** A status forced on the access calls (429, 503) while non-zero. */
    public volatile int forcedStatus;
    /** When true, the answer's dataCrc32c is wrong (a corrupted payload). */
    public volatile boolean corruptCrc;
    public final AtomicInteger minted = new AtomicInteger();
    /** Whether the instance has a service account attached (the metadata server's token answer). */
    public volatile boolean attached = true;
    /** The Metadata-Flavor header of each metadata request ("" when absent), recorded before answering. */
    public final List<String> metadataFlavors = new CopyOnWriteArrayList<>();

    public FakeGcpSecretManager() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        keys = g.generateKeyPair();
        accepted = keys.getPublic();
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

    /** A service-account key file's JSON for this fake (token_uri pointing here). */
    public String keyFileJson() {
        ObjectNode k = JSON.createObjectNode();
        k.put("type", "service_account");
        k.put("project_id", "my-project");
        k.put("private_key_id", "0123456789abcdef");
        k.put("private_key", "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        k.put("client_email", EMAIL);
        k.put("client_id", "1234567890");
        k.put("token_uri", url() + "/token");
        return k.toString();
    }

    public void addVersion(String project, String secret, String value) {
        secrets.computeIfAbsent(project + "/" + secret, k -> new CopyOnWriteArrayList<>()).add(value);
    }

    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    private MockResponse answer(RecordedRequest r) {
        String path = r.getUrl().encodedPath();
        String auth = r.getHeaders().get("Authorization");
        if (path.startsWith("/computeMetadata/")) {
            String flavor = r.getHeaders().get("Metadata-Flavor");
            metadataFlavors.add(flavor == null ? "" : flavor);
            if (!"Google".equals(flavor) || r.getHeaders().get("X-Forwarded-For") != null) {
                return metadata(403, "text/html", "Missing Metadata-Flavor:Google header.");
            }
            if (!path.equals("/computeMetadata/v1/instance/service-accounts/default/token") || !"GET".equals(r.getMethod())) {
                return metadata(404, "text/html", "Not Found");
            }
            if (!attached) {
                return metadata(404, "text/html", "Not Found");
            }
            String t = "ya29.metadata-" + minted.incrementAndGet();
            tokens.put(t, allowed);
            return metadata(200, "application/json", "{\"access_token\":\"" + t + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
        }
        if (path.equals("/token") && "POST".equals(r.getMethod())) {
            Map<String, String> form = new HashMap<>();
            for (String kv : (r.getBody() == null ? "" : r.getBody().utf8()).split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    form.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            JsonNode claims = claims(form.getOrDefault("assertion", ""));
            seen.add(new Seen(r.getMethod(), path, auth == null ? "" : auth, claims));
            if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
                return json(400, "{\"error\":\"unsupported_grant_type\",\"error_description\":\"Invalid grant_type: \"}");
            }
            if (claims == null || !verified(form.get("assertion"))) {
                return json(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}");
            }
            long iat = claims.path("iat").asLong();
            if (!EMAIL.equals(claims.path("iss").asString("")) || !(url() + "/token").equals(claims.path("aud").asString(""))
                    || !claims.path("scope").asString("").contains("https://www.googleapis.com/auth/cloud-platform")
                    || claims.path("exp").asLong() - iat > 3600) {
                return json(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT: claims.\"}");
            }
            String t = "ya29.fake-" + minted.incrementAndGet();
            tokens.put(t, allowed);
            return json(200, "{\"access_token\":\"" + t + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
        }
        seen.add(new Seen(r.getMethod(), path, auth == null ? "" : auth, JSON.createObjectNode()));
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "";
        Boolean may = tokens.get(token);
        if (may == null) {
            return error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                    + "login cookie or other valid authentication credential.");
        }
        Matcher m = ACCESS.matcher(path);
        if (!m.matches() || !"GET".equals(r.getMethod())) {
            return error(404, "NOT_FOUND", "Requested entity was not found.");
        }
        if (forcedStatus != 0) {
            return forcedStatus == 429 ? error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Access requests'")
                    : error(forcedStatus, "UNAVAILABLE", "The service is currently unavailable.");
        }
        if (!may) {
            return error(403, "PERMISSION_DENIED", "Permission 'secretmanager.versions.access' denied for resource 'projects/"
                    + m.group(1) + "/secrets/" + m.group(2) + "/versions/" + m.group(3) + "' (or it may not exist).");
        }
        List<String> versions = secrets.get(m.group(1) + "/" + m.group(2));
        if (versions == null || versions.isEmpty()) {
            return error(404, "NOT_FOUND", "Secret [projects/" + m.group(1) + "/secrets/" + m.group(2)
                    + "] not found or has no versions.");
        }
        int v = m.group(3).equals("latest") ? versions.size() : Integer.parseInt(m.group(3));
        if (v < 1 || v > versions.size()) {
            return error(404, "NOT_FOUND", "Secret Version [projects/" + m.group(1) + "/secrets/" + m.group(2) + "/versions/"
                    + m.group(3) + "] not found.");
        }
        byte[] data = versions.get(v - 1).getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(data);
        ObjectNode out = JSON.createObjectNode();
        out.put("name", "projects/123456789012/secrets/" + m.group(2) + "/versions/" + v);
        ObjectNode payload = out.putObject("payload");
        payload.put("data", Base64.getEncoder().encodeToString(data));
        payload.put("dataCrc32c", Long.toString(corruptCrc ? crc.getValue() ^ 1 : crc.getValue()));
        return json(200, out.toString());
    }

    private static JsonNode claims(String jwt) {
        String[] p = jwt.split("\\.");
        if (p.length != 3) {
            return null;
        }
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(p[1]));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private boolean verified(String jwt) {
        String[] p = jwt.split("\\.");
        try {
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(p[0]));
            if (!"RS256".equals(header.path("alg").asString(""))) {
                return false;
            }
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initVerify(accepted);
            s.update((p[0] + "." + p[1]).getBytes(StandardCharsets.US_ASCII));
            return s.verify(Base64.getUrlDecoder().decode(p[2]));
        } catch (Exception e) {
            return false;
        }
    }

    private static MockResponse metadata(int status, String type, String body) {
        return new MockResponse.Builder().code(status).setHeader("Metadata-Flavor", "Google").setHeader("Content-Type", type)
                .body(body).build();
    }

    private static MockResponse error(int status, String code, String message) {
        return json(status, "{\"error\":{\"code\":" + status + ",\"message\":\"" + message + "\",\"status\":\"" + code + "\"}}");
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json; charset=UTF-8").body(body).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
