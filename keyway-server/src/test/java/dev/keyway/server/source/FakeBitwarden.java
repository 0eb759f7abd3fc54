package dev.keyway.server.source;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.Mac;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLSocketFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local Bitwarden Secrets Manager (identity and API servers on one port, laid out as a self-hosted
 * installation: {@code /identity} and {@code /api}), speaking the protocol of the official SDK
 * ({@code bitwarden/sdk-internal}: {@code bitwarden-core/src/auth/api/request/access_token_request.rs},
 * {@code auth/login/access_token.rs}, {@code bitwarden_license/bitwarden-sm/src/secrets/get.rs} and the
 * SDK's own mock in {@code client_secrets.rs}; {@code bitwarden/sdk-sm} {@code crates/fake-server}):
 * <ul>
 *   <li>{@code POST /identity/connect/token}, form {@code scope=api.secrets&client_id=ID&client_secret=S&
 *       grant_type=client_credentials}: 200 {@code {"access_token":JWT,"expires_in":3600,"token_type":
 *       "Bearer","scope":"api.secrets","encrypted_payload":ENCSTRING}} where the payload is
 *       {@code {"encryptionKey":BASE64}} (the organization key) encrypted under the key derived from the
 *       access token's last part; 400 {@code {"error":"invalid_client"}} for a wrong id or secret;</li>
 *   <li>{@code GET /api/secrets/ID} with {@code Authorization: Bearer}: 200 the secret
 *       ({@code id, organizationId, key, value, note, creationDate, revisionDate, projects, object}),
 *       key, value and note EncStrings under the organization key; 401 (empty body) for an unknown
 *       bearer; 404 {@code {"message":"Resource not found.",...,"object":"error"}} for a secret that does
 *       not exist or that the machine account has no access to; 429 with {@code Retry-After}; 503.</li>
 * </ul>
 * The fake holds every secret <em>encrypted</em>, as Bitwarden's server does: it encrypts with its own
 * small encryptor (the JDK's HKDF {@link KDF}, AES/CBC and HMAC), independent of {@link BitwardenCrypto},
 * so a fetch proves the adapter's client-side decryption. Every request is recorded before it is answered.
 */
public final class FakeBitwarden implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One recorded request: method, path, Authorization header, and the raw form body of a login. */
    public record Seen(String method, String path, String authorization, String body) {}

    /** A stored secret: ciphertexts only, and whether the machine account may read it. */
    record Stored(String key, String value, String note, Instant revision, boolean accessible) {}

    public final MockWebServer server = new MockWebServer();
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    public final String organizationId = UUID.randomUUID().toString();
    public final String accessTokenId = UUID.randomUUID().toString();
    public final String clientSecret = "cs" + HexFormat.of().formatHex(bytes(12));
    private final byte[] tokenKeySecret = bytes(16);
    private final byte[] orgKey = bytes(64);
    private final Map<String, Stored> secrets = new ConcurrentHashMap<>();
    /** Bearer tokens issued and still valid. */
    public final Set<String> bearers = ConcurrentHashMap.newKeySet();
    public final AtomicInteger logins = new AtomicInteger();
    /** A status forced on the API calls (429, 503) while non-zero; {@link #retryAfter} goes with 429. */
    public volatile int forcedStatus;
    public volatile String retryAfter = "7";
    public volatile long expiresIn = 3600;
    private final AtomicInteger revisions = new AtomicInteger();
    private final boolean tls;

    public FakeBitwarden() throws Exception {
        this(null);
    }

    public FakeBitwarden(@Nullable SSLSocketFactory tls) throws Exception {
        this.tls = tls != null;
        if (tls != null) {
            server.useHttps(tls);
        }
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                return answer(r);
            }
        });
        server.start();
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    public String url() {
        return (tls ? "https://localhost:" : "http://127.0.0.1:") + server.getPort();
    }

    public String identityUrl() {
        return url() + "/identity";
    }

    public String apiUrl() {
        return url() + "/api";
    }

    /** The machine account's access token {@code 0.ID.SECRET:BASE64KEY}, as the web vault shows it once. */
    public String accessToken() {
        return "0." + accessTokenId + "." + clientSecret + ":" + Base64.getEncoder().encodeToString(tokenKeySecret);
    }

    /** Stores a secret (encrypted under the organization key) and returns its id. */
    public String putSecret(String key, String value) {
        String id = UUID.randomUUID().toString();
        put(id, key, value, true);
        return id;
    }

    /** Stores a secret in a project the machine account has no access to. */
    public String putInaccessibleSecret(String key, String value) {
        String id = UUID.randomUUID().toString();
        put(id, key, value, false);
        return id;
    }

    public void updateValue(String id, String value) {
        Stored s = secrets.get(id);
        put(id, "k", value, s == null || s.accessible());
    }

    /** Replaces a secret's stored value with ciphertext whose last byte was flipped (a corrupted or tampered record). */
    public void tamper(String id) {
        Stored s = secrets.get(id);
        String[] p = s.value().substring(2).split("\\|");
        byte[] ct = Base64.getDecoder().decode(p[1]);
        ct[ct.length - 1] ^= 1;
        secrets.put(id, new Stored(s.key(), "2." + p[0] + "|" + Base64.getEncoder().encodeToString(ct) + "|" + p[2], s.note(),
                s.revision(), s.accessible()));
    }

    /** The stored ciphertext of a secret's value (what Bitwarden's database holds). */
    public String storedValue(String id) {
        return secrets.get(id).value();
    }

    private void put(String id, String key, String value, boolean accessible) {
        byte[] enc = java.util.Arrays.copyOfRange(orgKey, 0, 32);
        byte[] mac = java.util.Arrays.copyOfRange(orgKey, 32, 64);
        secrets.put(id, new Stored(encrypt(key, enc, mac), encrypt(value, enc, mac), encrypt("", enc, mac),
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(revisions.incrementAndGet()), accessible));
    }

    /** The organization key under the access token's key, as the identity server's encrypted_payload. */
    private String payload() {
        try {
            // HKDF-Extract(salt = "bitwarden-accesstoken", ikm = the token's 16 bytes), HKDF-Expand(info = "sm-access-token", 64)
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            byte[] okm = hkdf.deriveData(HKDFParameterSpec.ofExtract()
                    .addSalt("bitwarden-accesstoken".getBytes(StandardCharsets.UTF_8)).addIKM(tokenKeySecret)
                    .thenExpand("sm-access-token".getBytes(StandardCharsets.UTF_8), 64));
            String json = "{\"encryptionKey\":\"" + Base64.getEncoder().encodeToString(orgKey) + "\"}";
            return encrypt(json, java.util.Arrays.copyOfRange(okm, 0, 32), java.util.Arrays.copyOfRange(okm, 32, 64));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A type 2 EncString: AES-256-CBC (PKCS#7) with a random IV, HMAC-SHA256 over IV || ciphertext. */
    static String encrypt(String plain, byte[] enc, byte[] mac) {
        try {
            byte[] iv = bytes(16);
            Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(enc, "AES"), new IvParameterSpec(iv));
            byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(mac, "HmacSHA256"));
            m.update(iv);
            byte[] tag = m.doFinal(ct);
            Base64.Encoder b = Base64.getEncoder();
            return "2." + b.encodeToString(iv) + "|" + b.encodeToString(ct) + "|" + b.encodeToString(tag);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    private MockResponse answer(RecordedRequest r) {
        String path = r.getUrl().encodedPath();
        String auth = r.getHeaders().get("Authorization");
        String body = r.getBody() == null ? "" : r.getBody().utf8();
        seen.add(new Seen(r.getMethod(), path, auth == null ? "" : auth, body));
        if (path.equals("/identity/connect/token") && "POST".equals(r.getMethod())) {
            Map<String, String> form = new HashMap<>();
            for (String kv : body.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    form.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            if (!"client_credentials".equals(form.get("grant_type"))) {
                return json(400, "{\"error\":\"unsupported_grant_type\"}");
            }
            if (!"api.secrets".equals(form.get("scope"))) {
                return json(400, "{\"error\":\"invalid_scope\"}");
            }
            if (!accessTokenId.equals(form.get("client_id")) || !clientSecret.equals(form.get("client_secret"))) {
                return json(400, "{\"error\":\"invalid_client\"}");
            }
            long now = Instant.now().getEpochSecond();
            Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
            String bearer = b.encodeToString("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}".getBytes(StandardCharsets.UTF_8)) + "."
                    + b.encodeToString(("{\"client_id\":\"" + accessTokenId + "\",\"organization\":\"" + organizationId
                            + "\",\"scope\":[\"api.secrets\"],\"iat\":" + now + ",\"exp\":" + (now + expiresIn) + ",\"n\":"
                            + logins.incrementAndGet() + "}").getBytes(StandardCharsets.UTF_8))
                    + "." + b.encodeToString(bytes(32));
            bearers.add(bearer);
            ObjectNode out = JSON.createObjectNode();
            out.put("access_token", bearer);
            out.put("expires_in", expiresIn);
            out.put("token_type", "Bearer");
            out.put("scope", "api.secrets");
            out.put("encrypted_payload", payload());
            return json(200, out.toString());
        }
        if (!path.startsWith("/api/")) {
            return json(404, notFound());
        }
        String bearer = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "";
        if (!bearers.contains(bearer)) {
            return new MockResponse.Builder().code(401).setHeader("WWW-Authenticate", "Bearer").build();
        }
        if (forcedStatus == 429) {
            return new MockResponse.Builder().code(429).setHeader("Retry-After", retryAfter)
                    .setHeader("Content-Type", "application/json; charset=utf-8")
                    .body("{\"message\":\"API calls quota exceeded! maximum admitted 100 per 1m.\",\"object\":\"error\"}").build();
        }
        if (forcedStatus != 0) {
            return json(forcedStatus, "{\"message\":\"Service Unavailable\",\"object\":\"error\"}");
        }
        String id = path.startsWith("/api/secrets/") ? path.substring("/api/secrets/".length()) : "";
        Stored s = secrets.get(id);
        if (!"GET".equals(r.getMethod()) || s == null || !s.accessible()) {
            return json(404, notFound());
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("id", id);
        out.put("organizationId", organizationId);
        out.put("key", s.key());
        out.put("value", s.value());
        out.put("note", s.note());
        out.put("creationDate", "2026-01-01T00:00:00.0000000Z");
        out.put("revisionDate", s.revision().toString());
        out.putArray("projects").addObject().put("id", UUID.randomUUID().toString()).put("name", "2.AAAA|AAAA|AAAA");
        out.put("read", true);
        out.put("write", false);
        out.put("object", "secret");
        return json(200, out.toString());
    }

    private static String notFound() {
        return "{\"message\":\"Resource not found.\",\"validationErrors\":null,\"exceptionMessage\":null,"
                + "\"exceptionStackTrace\":null,\"innerExceptionMessage\":null,\"object\":\"error\"}";
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json; charset=utf-8").body(body).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
