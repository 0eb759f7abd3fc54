package dev.keyway.server.source;

import dev.keyway.core.oauth.GoogleServiceAccount;
import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.server.http.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * {@code gcp-secret-manager}: {@code GET /v1/projects/P/secrets/S/versions/V:access} of Secret
 * Manager's REST API v1 with an OAuth 2.0 access token; the value is the base64-decoded
 * {@code payload.data} (checked against {@code payload.dataCrc32c} when present), the version the
 * last segment of the answer's {@code name}.
 *
 * <p>The token comes from a service-account key file (the JSON {@code gcloud iam service-accounts
 * keys create} writes): a JWT signed RS256 with the key ({@code iss} = {@code client_email},
 * {@code scope} = cloud-platform, {@code aud} = the token endpoint, one hour), exchanged at the
 * token endpoint ({@code token_uri} of the key file, or {@code --token-url}) with
 * {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer}, as Google's "Using OAuth 2.0 for
 * Server to Server Applications" describes. The token is cached until a minute before it expires
 * and minted again once after a 401. The key file is read at each mint (a rotated key is used).
 *
 * <p>Without a key file the token comes from the <b>metadata server</b> of the VM, GKE node or Cloud
 * Run instance Keyway runs on (its attached service account), as Google's "About VM metadata" and
 * "Authenticate using the metadata server" describe: {@code GET
 * http://HOST/computeMetadata/v1/instance/service-accounts/default/token} with {@code
 * Metadata-Flavor: Google} (the server refuses requests without it with 403, and sets the same
 * header on its answers: an answer without it is not from a metadata server and is refused), answering
 * {@code access_token} and {@code expires_in}. {@code HOST} is {@code metadata.google.internal}, or
 * {@code GCE_METADATA_HOST} of the server's environment like Google's client libraries. The token is
 * cached the same way.
 *
 * <p>Errors are Google's {@code {"error":{"code","message","status"}}}: 401/403 auth, 404 not found,
 * 429 ({@code RESOURCE_EXHAUSTED}) throttled, 5xx unavailable; the token endpoint's
 * {@code invalid_grant} is auth.
 */
final class GcpSecretManagerSource implements SecretSource {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    static final String DEFAULT_ENDPOINT = "https://secretmanager.googleapis.com";
    private static final Pattern REF = Pattern.compile(
            "projects/([a-z0-9][a-z0-9.:-]{0,98})/secrets/([A-Za-z0-9_-]{1,255})(?:/versions/(latest|[0-9]{1,19}))?");

    /** A parsed reference. */
    record Ref(String project, String secret, String version) {
        static Ref parse(String ref) throws SourceFailure {
            Matcher m = REF.matcher(ref);
            if (!m.matches()) {
                throw new SourceFailure(SourceFailure.Kind.BAD_REF,
                        "the reference must be projects/PROJECT/secrets/SECRET[/versions/VERSION|latest]");
            }
            return new Ref(m.group(1), m.group(2), m.group(3) == null ? "latest" : m.group(3));
        }
    }

    private final String name;
    static final String METADATA_HOST = "metadata.google.internal";
    static final String METADATA_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";

    /** A service-account key file, or {@code null}: the metadata server at {@link #metadataHost}. */
    private final @Nullable Path keyFile;
    private final String metadataHost;
    private final @Nullable URI tokenUrl;
    private final URI endpoint;
    private final Clock clock;
    private final HttpClient http;

    // guarded by this
    private @Nullable String token;
    private Instant tokenExpires = Instant.EPOCH;

    GcpSecretManagerSource(String name, Path keyFile, @Nullable URI tokenUrl, URI endpoint, Clock clock) {
        this(name, keyFile, METADATA_HOST, tokenUrl, endpoint, clock);
    }

    /** With {@code keyFile} {@code null}, tokens come from the metadata server at {@code metadataHost} (HOST[:PORT]). */
    GcpSecretManagerSource(String name, @Nullable Path keyFile, String metadataHost, @Nullable URI tokenUrl, URI endpoint, Clock clock) {
        this.name = name;
        this.keyFile = keyFile;
        this.metadataHost = metadataHost;
        this.tokenUrl = tokenUrl;
        this.endpoint = endpoint;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
                .proxy(java.net.ProxySelector.of(null)).build();
    }

    @Override
    public void checkRef(String ref) throws SourceFailure {
        Ref.parse(ref);
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        Ref r = Ref.parse(ref);
        String path = "/v1/projects/" + r.project() + "/secrets/" + r.secret() + "/versions/" + r.version() + ":access";
        String what = "accessing projects/" + r.project() + "/secrets/" + r.secret() + "/versions/" + r.version();
        Answer a = send(HttpRequest.newBuilder(URI.create(endpoint + path)).GET()
                .header("Authorization", "Bearer " + token()).header("Accept", "application/json"), what);
        if (a.status() == 401) {
            synchronized (this) {
                token = null;
            }
            a = send(HttpRequest.newBuilder(URI.create(endpoint + path)).GET()
                    .header("Authorization", "Bearer " + token()).header("Accept", "application/json"), what);
        }
        if (a.status() != 200) {
            throw failure(what, a.status(), a.body());
        }
        String data = a.body().path("payload").path("data").asString("");
        byte[] value;
        try {
            value = Base64.getDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, what + ": payload.data is not base64");
        }
        JsonNode crc = a.body().path("payload").get("dataCrc32c");
        if (crc != null && !crc.isNull()) {
            CRC32C c = new CRC32C();
            c.update(value);
            if (!Long.toString(c.getValue()).equals(crc.asString())) {
                java.util.Arrays.fill(value, (byte) 0);
                throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, what + ": the payload does not match its dataCrc32c");
            }
        }
        String n = a.body().path("name").asString("");
        String version = n.contains("/versions/") ? n.substring(n.lastIndexOf('/') + 1) : r.version();
        return new Fetched(value, version);
    }

    /** A valid access token: the cached one, or one minted with the key file. */
    synchronized String token() throws SourceFailure {
        String t = token;
        if (t != null && clock.instant().isBefore(tokenExpires.minusSeconds(60))) {
            return t;
        }
        Path kf = keyFile;
        if (kf == null) {
            return metadataToken();
        }
        GoogleServiceAccount key = readKey(kf);
        URI aud = tokenUrl != null ? tokenUrl : key.tokenUri();
        Instant now = clock.instant();
        String jwt;
        try {
            jwt = key.assertion(java.util.List.of(SCOPE), aud.toString(), null, now);
        } catch (IllegalArgumentException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "cannot sign with the service-account key: " + e.getMessage());
        }
        String form = GoogleServiceAccount.form(jwt);
        Answer a = send(HttpRequest.newBuilder(aud).POST(HttpRequest.BodyPublishers.ofString(form))
                .header("Content-Type", "application/x-www-form-urlencoded"), "getting an access token for " + key.clientEmail());
        if (a.status() != 200) {
            String err = a.body().path("error").isString() ? a.body().path("error").asString("") : "";
            String desc = a.body().path("error_description").asString("");
            String msg = "token endpoint " + aud.getHost() + " answered HTTP " + a.status() + clean(err + (desc.isEmpty() ? "" : ": " + desc));
            throw switch (a.status()) {
                case 400, 401, 403 -> new SourceFailure(SourceFailure.Kind.AUTH, msg);
                case 429 -> new SourceFailure(SourceFailure.Kind.THROTTLED, msg);
                default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, msg);
            };
        }
        String access = a.body().path("access_token").asString("");
        if (access.isEmpty()) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "the token endpoint answered no access_token");
        }
        token = access;
        tokenExpires = now.plusSeconds(Math.max(0, a.body().path("expires_in").asLong(3600)));
        return access;
    }

    /** The attached service account's token from the metadata server (the caller holds the lock). */
    private String metadataToken() throws SourceFailure {
        Instant now = clock.instant();
        URI uri = URI.create("http://" + metadataHost + METADATA_TOKEN_PATH);
        String what = "getting an access token from the metadata server " + metadataHost;
        HttpRequest req = HttpRequest.newBuilder(uri).GET().header("Metadata-Flavor", "Google").timeout(TIMEOUT).build();
        HttpResponse<byte[]> res = exchange(req, what);
        JsonNode body = json(res.body());
        String firstLine = res.statusCode() == 200 ? "" : new String(res.body(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
        java.util.Arrays.fill(res.body(), (byte) 0);
        if (!res.headers().firstValue("Metadata-Flavor").map("Google"::equals).orElse(false)) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, what + ": the answer (HTTP " + res.statusCode()
                    + ") has no Metadata-Flavor: Google header, so it is not from a metadata server");
        }
        if (res.statusCode() != 200) {
            String m = what + ": HTTP " + res.statusCode() + clean(firstLine);
            throw switch (res.statusCode()) {
                case 401, 403 -> new SourceFailure(SourceFailure.Kind.AUTH, m);
                case 404 -> new SourceFailure(SourceFailure.Kind.AUTH, m + "; no service account is attached to this instance "
                        + "(or use --credentials-file)");
                case 429 -> new SourceFailure(SourceFailure.Kind.THROTTLED, m);
                default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, m);
            };
        }
        String access = body.path("access_token").asString("");
        if (access.isEmpty()) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, what + ": the answer has no access_token");
        }
        token = access;
        tokenExpires = now.plusSeconds(Math.max(0, body.path("expires_in").asLong(0)));
        return access;
    }

    private static JsonNode json(byte[] raw) {
        try {
            return raw.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(raw);
        } catch (RuntimeException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    /** The key file, read at each mint (a rotated key is used); the assertion is core's {@link GoogleServiceAccount}. */
    private static GoogleServiceAccount readKey(Path file) throws SourceFailure {
        byte[] raw;
        try {
            if (Files.size(file) > GoogleServiceAccount.MAX_BYTES) {
                throw new SourceFailure(SourceFailure.Kind.AUTH, "the key file " + file + " is too large");
            }
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "cannot read the key file " + file + ": " + e.getClass().getSimpleName());
        }
        try {
            return GoogleServiceAccount.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "the key file " + file + " " + e.getMessage());
        } finally {
            java.util.Arrays.fill(raw, (byte) 0);
        }
    }

    private record Answer(int status, JsonNode body) {}

    private Answer send(HttpRequest.Builder b, String what) throws SourceFailure {
        HttpResponse<byte[]> res = exchange(b.timeout(TIMEOUT).build(), what);
        byte[] raw = res.body();
        try {
            return new Answer(res.statusCode(), json(raw));
        } finally {
            java.util.Arrays.fill(raw, (byte) 0);
        }
    }

    private HttpResponse<byte[]> exchange(HttpRequest req, String what) throws SourceFailure {
        String host = req.uri().getHost();
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (SSLException e) {
            throw new SourceFailure(SourceFailure.Kind.TLS, what + ": TLS handshake with " + host + " failed: " + e.getMessage());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, what + ": cannot connect to " + host);
        } catch (HttpTimeoutException e) {
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, what + ": " + host + " did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            if (e.getCause() instanceof SSLException s) {
                throw new SourceFailure(SourceFailure.Kind.TLS, what + ": TLS handshake with " + host + " failed: " + s.getMessage());
            }
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, what + ": calling " + host + ": " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "interrupted");
        }
    }

    /** Google's error answer mapped to a failure (table-tested). */
    static SourceFailure failure(String what, int status, JsonNode body) {
        JsonNode e = body.path("error");
        String msg = what + ": HTTP " + status + clean(e.path("status").asString("") + (e.path("message").asString("").isEmpty() ? ""
                : ": " + e.path("message").asString("")));
        return switch (status) {
            case 400 -> new SourceFailure(SourceFailure.Kind.BAD_REF, msg);
            case 401, 403 -> new SourceFailure(SourceFailure.Kind.AUTH, msg);
            case 404 -> new SourceFailure(SourceFailure.Kind.NOT_FOUND, msg);
            case 429 -> new SourceFailure(SourceFailure.Kind.THROTTLED, msg);
            default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, msg);
        };
    }

    private static String clean(String m) {
        String s = m.replaceAll("\\p{Cntrl}", " ").strip();
        if (s.isEmpty() || s.equals(":")) {
            return "";
        }
        return " (" + (s.length() > 300 ? s.substring(0, 300) + "..." : s) + ")";
    }

    @Override
    public String toString() {
        return "GcpSecretManagerSource[" + name + ", " + endpoint + "]";
    }
}
