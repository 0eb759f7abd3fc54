package dev.keyway.server.source;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.server.http.Json;
import dev.keyway.server.source.BitwardenCrypto.AccessToken;
import dev.keyway.server.source.BitwardenCrypto.CryptoFailure;
import dev.keyway.server.source.BitwardenCrypto.Key;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * {@code bitwarden}: a secret of Bitwarden Secrets Manager by its id, fetched and decrypted the way
 * the official SDK ({@code bitwarden/sdk-sm}, {@code bws}) does it, with a machine-account access
 * token {@code 0.ID.SECRET:KEY}:
 * <ol>
 *   <li>{@code POST IDENTITY/connect/token} ({@code application/x-www-form-urlencoded}:
 *       {@code scope=api.secrets}, {@code client_id} = the token's id, {@code client_secret},
 *       {@code grant_type=client_credentials}) answers an {@code access_token} (a bearer JWT),
 *       {@code expires_in} and {@code encrypted_payload}, an EncString under the key derived from
 *       the token's KEY ({@link BitwardenCrypto#shareableKey}); it decrypts to
 *       {@code {"encryptionKey":"BASE64"}}, the organization's 64-byte key;</li>
 *   <li>{@code GET API/secrets/ID} with {@code Authorization: Bearer} answers the secret, whose
 *       {@code value} is an EncString under the organization key; the version is its
 *       {@code revisionDate}.</li>
 * </ol>
 * Decryption happens here, never on Bitwarden's side: the server holds only ciphertext. The bearer
 * token and organization key are cached in memory until a minute before {@code expires_in}, and
 * logged in again once after a 401. Errors: the identity server's {@code invalid_client} (400) is
 * auth; the API's 401/403 auth, 404 not found (also a secret the machine account cannot read),
 * 429 throttled (honouring {@code Retry-After}), 5xx unavailable; a value that does not verify
 * under the organization key is a bad value.
 */
final class BitwardenSource implements SecretSource {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final String DEFAULT_IDENTITY_URL = "https://identity.bitwarden.com";
    static final String DEFAULT_API_URL = "https://api.bitwarden.com";
    static final int MAX_BODY = 1024 * 1024;
    /** The SDK's device type ({@code DeviceType::SDK}), sent as {@code Device-Type} like the SDK does. */
    static final String DEVICE_TYPE = "21";
    private static final Pattern ID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** A login: the bearer token and the organization key, until {@code expires}. */
    private record Session(String bearer, Key orgKey, Instant expires) {
        @Override
        public String toString() {
            return "Session[until " + expires + "]";
        }
    }

    private record Answer(int status, JsonNode body, @Nullable Duration retryAfter) {}

    private final String name;
    private final URI identityUrl;
    private final URI apiUrl;
    private final AccessToken token;
    private final @Nullable Path caFile;
    private final Clock clock;
    private volatile @Nullable HttpClient http;

    // guarded by this
    private @Nullable Session session;

    /** @throws IllegalArgumentException naming what is wrong with the access token (never quoting it) */
    BitwardenSource(String name, URI identityUrl, URI apiUrl, String accessToken, @Nullable Path caFile, Clock clock) {
        this.name = name;
        this.identityUrl = identityUrl;
        this.apiUrl = apiUrl;
        try {
            this.token = AccessToken.parse(accessToken);
        } catch (CryptoFailure e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        this.caFile = caFile;
        this.clock = clock;
    }

    @Override
    public void checkRef(String ref) throws SourceFailure {
        if (!ID.matcher(ref).matches()) {
            throw new SourceFailure(SourceFailure.Kind.BAD_REF, "the reference must be a secret's id (a UUID, as `bws secret list` shows)");
        }
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        checkRef(ref);
        String id = ref.toLowerCase(java.util.Locale.ROOT);
        String what = "reading secret " + id;
        Session s = session();
        Answer a = get(s, id, what);
        if (a.status() == 401) {
            synchronized (this) {
                if (session == s) {
                    session = null;
                }
            }
            s = session();
            a = get(s, id, what);
        }
        if (a.status() != 200) {
            throw failure(what, a.status(), a.body(), a.retryAfter());
        }
        JsonNode v = a.body().get("value");
        if (v == null || !v.isString() || v.asString().isEmpty()) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, what + ": the answer has no value");
        }
        byte[] value;
        try {
            value = BitwardenCrypto.decrypt(v.asString(), s.orgKey());
        } catch (CryptoFailure e) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, what + ": the value does not decrypt with the organization key ("
                    + e.getMessage() + ")");
        }
        String revision = a.body().path("revisionDate").asString("");
        return new Fetched(value, revision.isEmpty() || revision.length() > 64 ? "-" : clean(revision));
    }

    /** The cached login, or a new one (identity login + organization key decryption). */
    private synchronized Session session() throws SourceFailure {
        Session s = session;
        if (s != null && clock.instant().isBefore(s.expires())) {
            return s;
        }
        session = null;
        Instant now = clock.instant();
        String form = "scope=api.secrets&client_id=" + enc(token.id()) + "&client_secret=" + enc(token.clientSecret())
                + "&grant_type=client_credentials";
        String what = "logging in to " + identityUrl.getHost() + " with access token " + token.id();
        Answer a = send(HttpRequest.newBuilder(URI.create(identityUrl + "/connect/token"))
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), identityUrl, what);
        if (a.status() != 200) {
            String err = a.body().path("error").isString() ? a.body().path("error").asString("") : "";
            String desc = a.body().path("error_description").asString("");
            String model = a.body().path("ErrorModel").path("Message").asString(a.body().path("message").asString(""));
            String msg = what + ": HTTP " + a.status() + quote((err + (desc.isEmpty() ? "" : ": " + desc)
                    + (model.isEmpty() ? "" : " " + model)).replace(token.clientSecret(), "***"));
            throw switch (a.status()) {
                case 400, 401, 403 -> new SourceFailure(SourceFailure.Kind.AUTH, msg);
                case 429 -> new SourceFailure(SourceFailure.Kind.THROTTLED, msg, a.retryAfter());
                default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, msg, a.retryAfter());
            };
        }
        String bearer = a.body().path("access_token").asString("");
        String payload = a.body().path("encrypted_payload").asString("");
        if (bearer.isEmpty() || payload.isEmpty() || bearer.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, what + ": the answer has no access_token or encrypted_payload"
                    + " (is this a machine-account access token of Secrets Manager?)");
        }
        Key orgKey;
        byte[] plain = null;
        byte[] raw = null;
        try {
            plain = BitwardenCrypto.decrypt(payload, token.encryptionKey());
            JsonNode p = Json.MAPPER.readTree(plain);
            raw = Base64.getDecoder().decode(p.path("encryptionKey").asString(""));
            orgKey = Key.of64(raw);
        } catch (CryptoFailure e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, what + ": the encrypted_payload does not decrypt with the access"
                    + " token's key (" + e.getMessage() + "); was the access token copied whole?");
        } catch (RuntimeException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, what + ": the encrypted_payload holds no organization encryptionKey");
        } finally {
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
            if (raw != null) {
                Arrays.fill(raw, (byte) 0);
            }
        }
        long expiresIn = Math.max(0, a.body().path("expires_in").asLong(3600));
        Session fresh = new Session(bearer, orgKey, now.plusSeconds(Math.max(0, expiresIn - 60)));
        session = fresh;
        return fresh;
    }

    private Answer get(Session s, String id, String what) throws SourceFailure {
        return send(HttpRequest.newBuilder(URI.create(apiUrl + "/secrets/" + id)).GET()
                .header("Authorization", "Bearer " + s.bearer()), apiUrl, what);
    }

    private Answer send(HttpRequest.Builder b, URI base, String what) throws SourceFailure {
        HttpRequest req = b.timeout(TIMEOUT).header("Accept", "application/json").header("Device-Type", DEVICE_TYPE).build();
        try {
            HttpResponse<InputStream> res = client().send(req, HttpResponse.BodyHandlers.ofInputStream());
            JsonNode json = SourceHttp.jsonBody(res, MAX_BODY, what + ": " + base.getHost());
            if (!json.isObject()) {
                json = Json.MAPPER.createObjectNode();
            }
            return new Answer(res.statusCode(), json, res.headers().firstValue("Retry-After").map(SourceHttp::retryAfter).orElse(null));
        } catch (IOException | InterruptedException e) {
            SourceFailure f = SourceHttp.transport(e, base.getHost(), port(base), TIMEOUT,
                    caFile == null ? " (set --ca-file if a self-hosted server uses a private CA)" : "");
            throw new SourceFailure(f.kind(), what + ": " + f.getMessage(), f.retryAfter());
        }
    }

    /** The API's error answer ({@code {"message":...,"object":"error"}}) mapped to a failure (table-tested). */
    static SourceFailure failure(String what, int status, JsonNode body, @Nullable Duration retryAfter) {
        String msg = what + ": HTTP " + status + quote(body.path("message").asString(body.path("Message").asString("")));
        return switch (status) {
            case 400 -> new SourceFailure(SourceFailure.Kind.BAD_REF, msg);
            case 401, 403 -> new SourceFailure(SourceFailure.Kind.AUTH, msg);
            case 404 -> new SourceFailure(SourceFailure.Kind.NOT_FOUND, msg
                    + "; the secret does not exist or the machine account has no access to its project");
            case 429 -> new SourceFailure(SourceFailure.Kind.THROTTLED, msg, retryAfter);
            default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, msg, retryAfter);
        };
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String clean(String s) {
        return s.replaceAll("\\p{Cntrl}", " ").strip();
    }

    private static String quote(String m) {
        String s = clean(m);
        if (s.isEmpty() || s.equals(":")) {
            return "";
        }
        return " (" + (s.length() > 200 ? s.substring(0, 200) + "..." : s) + ")";
    }

    private static int port(URI u) {
        return u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    private HttpClient client() throws SourceFailure {
        HttpClient c = http;
        if (c != null) {
            return c;
        }
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
                .proxy(java.net.ProxySelector.of(null));
        if (caFile != null) {
            b.sslContext(VaultKvSource.trusting(caFile));
        }
        c = b.build();
        http = c;
        return c;
    }

    @Override
    public String toString() {
        return "BitwardenSource[" + name + ", " + apiUrl + "]";
    }
}
