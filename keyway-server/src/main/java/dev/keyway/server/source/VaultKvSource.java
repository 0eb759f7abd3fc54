package dev.keyway.server.source;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.core.source.VaultRef;
import dev.keyway.server.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * {@code hashicorp-vault} (also OpenBao, same HTTP API): reads KV v2 ({@code GET
 * /v1/MOUNT/data/PATH[?version=N]}, value at {@code data.data.FIELD}, version at
 * {@code data.metadata.version}) or KV v1 ({@code GET /v1/MOUNT/PATH}, value at
 * {@code data.FIELD}) with {@code X-Vault-Token} and, for Vault Enterprise namespaces,
 * {@code X-Vault-Namespace}.
 *
 * <p>Authentication: a token file (re-read whenever its modification time, size or inode changes,
 * and kept with {@code keyway token keep}'s drift guard: see {@link VaultTokenFile}), a token given
 * at {@code source add} (stored sealed), AppRole ({@code POST /v1/auth/MOUNT/login} with role id and
 * secret id) or Kubernetes ({@code POST /v1/auth/MOUNT/login} with the role and the pod's service
 * account JWT); a login is done again once 3/4 of the token's TTL has passed, or after a 403. A renewable token is renewed with {@code POST
 * /v1/auth/token/renew-self} once half of its TTL has passed (checked at every fetch, which the
 * cache's refresh-ahead runs while the credential is used). The TTL comes from {@code GET
 * /v1/auth/token/lookup-self} for a token file and from the login answer for AppRole.
 *
 * <p>Failures map to {@link SourceFailure.Kind}: 401/403 auth (Vault's own message, e.g.
 * "permission denied"), 404 not found, 429 throttled (honouring {@code Retry-After}), 503 and
 * other 5xx unavailable (Vault's message, e.g. "Vault is sealed"), a failed TLS handshake tls,
 * connection refused or timed out unavailable.
 */
final class VaultKvSource implements SecretSource {
    static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VaultKvSource.class);
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_BODY = 1024 * 1024;

    /** How the source authenticates. */
    sealed interface Auth {}

    /**
     * A token file kept with the drift guard ({@link VaultTokenFile}).
     *
     * @param policies the policies Keyway's token has ({@code --token-policy}); empty: those of the first token read
     * @param period its period ({@code --token-period}); {@code null}: that of the first token read
     */
    record TokenFile(Path path, List<String> policies, @Nullable Duration period) implements Auth {
        TokenFile {
            policies = List.copyOf(policies);
        }

        TokenFile(Path path) {
            this(path, List.of(), null);
        }
    }

    record StaticToken(String token) implements Auth {
        @Override
        public String toString() {
            return "StaticToken[]";
        }
    }

    /** An auth method that logs in for a token with a lease: logged in again at 3/4 of it, or once after a 403. */
    sealed interface Login extends Auth {
        /** The auth mount, e.g. {@code approle} or {@code kubernetes}. */
        String mount();

        /** For messages: {@code AppRole login}, {@code Kubernetes login}. */
        String what();

        /** The login request's JSON fields (read from their files at each login). */
        Map<String, String> body() throws SourceFailure;
    }

    record AppRole(String mount, String roleId, @Nullable Path secretIdFile, @Nullable String secretId) implements Login {
        @Override
        public String what() {
            return "AppRole login";
        }

        @Override
        public Map<String, String> body() throws SourceFailure {
            String sid = secretId != null ? secretId : readSecretFile(secretIdFile, "AppRole secret id file");
            return Map.of("role_id", roleId, "secret_id", sid);
        }

        @Override
        public String toString() {
            return "AppRole[mount=" + mount + ", roleId=" + roleId + "]";
        }
    }

    /**
     * Vault's Kubernetes auth method: {@code POST /v1/auth/MOUNT/login} with the role and the pod's
     * service-account JWT, read from {@code jwtFile} at every login because the kubelet rotates a
     * projected token (the old one stops being accepted).
     */
    record Kubernetes(String mount, String role, Path jwtFile) implements Login {
        static final Path DEFAULT_JWT_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");
        static final String DEFAULT_MOUNT = "kubernetes";

        @Override
        public String what() {
            return "Kubernetes login (role " + role + ")";
        }

        @Override
        public Map<String, String> body() throws SourceFailure {
            return Map.of("role", role, "jwt", readSecretFile(jwtFile, "Kubernetes service account token file"));
        }
    }

    private final String name;
    private final URI addr;
    private final @Nullable String namespace;
    private final @Nullable Path caFile;
    private final int kv;
    private final Auth auth;
    private final Clock clock;
    private volatile @Nullable HttpClient http;
    private final @Nullable VaultTokenFile tokenFile;

    // token state, guarded by this
    private @Nullable String token;
    private Instant tokenSince = Instant.EPOCH;
    private Duration tokenTtl = Duration.ZERO; // zero: does not expire (or unknown)
    private boolean renewable;

    VaultKvSource(String name, URI addr, @Nullable String namespace, @Nullable Path caFile, int kv, Auth auth, Clock clock) {
        this(name, addr, namespace, caFile, kv, auth, clock, line -> LOG.warn("{}", line));
    }

    /** @param log where the token-file keeper's {@code HEALED}/{@code FAILED} lines go */
    VaultKvSource(String name, URI addr, @Nullable String namespace, @Nullable Path caFile, int kv, Auth auth, Clock clock,
            java.util.function.Consumer<String> log) {
        this(name, addr, namespace, caFile, kv, auth, clock, log, VaultMintedTokens.NONE);
    }

    /** @param minted where the token-file keeper keeps the accessors of the tokens it mints (across restarts) */
    VaultKvSource(String name, URI addr, @Nullable String namespace, @Nullable Path caFile, int kv, Auth auth, Clock clock,
            java.util.function.Consumer<String> log, VaultMintedTokens minted) {
        this.tokenFile = auth instanceof TokenFile f
                ? new VaultTokenFile(name, f.path(), addr.toString(), f.policies(), f.period(), this::call, log, minted) : null;
        this.name = name;
        this.addr = addr;
        this.namespace = namespace;
        this.caFile = caFile;
        this.kv = kv;
        this.auth = auth;
        this.clock = clock;
    }

    @Override
    public void checkRef(String ref) throws SourceFailure {
        VaultRef r = VaultRef.parse(ref);
        if (kv == 1 && r.version() != null) {
            throw new SourceFailure(SourceFailure.Kind.BAD_REF, "?version= applies to KV v2 only (this source is --kv 1)");
        }
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        checkRef(ref);
        VaultRef r = VaultRef.parse(ref);
        String path = kv == 2
                ? "/v1/" + r.mount() + "/data/" + r.path() + (r.version() == null ? "" : "?version=" + r.version())
                : "/v1/" + r.mount() + "/" + r.path();
        String t = token();
        Response res = call("GET", path, t, null);
        if (res.status() == 403 && auth instanceof Login) {
            synchronized (this) {
                token = null; // the token may have been revoked: log in again once
            }
            res = call("GET", path, token(), null);
        }
        check(res, "reading " + r.mount() + "/" + r.path());
        JsonNode data = res.body().path("data");
        JsonNode fields = kv == 2 ? data.path("data") : data;
        JsonNode v = fields.get(r.field());
        if (v == null || v.isNull()) {
            throw new SourceFailure(SourceFailure.Kind.NOT_FOUND, r.mount() + "/" + r.path() + " has no field '" + r.field() + "'");
        }
        if (v.isObject() || v.isArray()) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, "field '" + r.field() + "' is not a string");
        }
        String version = kv == 2 && data.path("metadata").has("version") ? data.path("metadata").path("version").asString() : "-";
        return new Fetched(v.asString().getBytes(StandardCharsets.UTF_8), version);
    }

    /** The token to use now: re-read, logged in or renewed as the rules in the class doc say. */
    synchronized String token() throws SourceFailure {
        Instant now = clock.instant();
        switch (auth) {
            case StaticToken s -> {
                if (token == null) {
                    token = s.token();
                    lookupSelf();
                }
            }
            case TokenFile f -> {
                VaultTokenFile.Current c = java.util.Objects.requireNonNull(tokenFile).current();
                if (!c.token().equals(token)) {
                    token = c.token();
                    tokenSince = now;
                    tokenTtl = c.ttl();
                    renewable = c.renewable();
                }
            }
            case Login a -> {
                if (token == null || expiringSoon(now)) {
                    login(a);
                    return requireToken();
                }
            }
        }
        if (renewable && !tokenTtl.isZero() && !now.isBefore(tokenSince.plus(tokenTtl.dividedBy(2)))) {
            renewSelf();
        }
        return requireToken();
    }

    private boolean expiringSoon(Instant now) {
        return !tokenTtl.isZero() && !now.isBefore(tokenSince.plus(tokenTtl.multipliedBy(3).dividedBy(4)));
    }

    private String requireToken() throws SourceFailure {
        String t = token;
        if (t == null) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "no Vault token");
        }
        return t;
    }

    private void login(Login a) throws SourceFailure {
        Response res = call("POST", "/v1/auth/" + a.mount() + "/login", null, Json.write(a.body()));
        if (res.status() == 400) {
            // "invalid role or secret ID", "invalid role name": the login was refused, not the reference
            throw new SourceFailure(SourceFailure.Kind.AUTH, a.what() + ": HTTP 400" + errors(res.body()));
        }
        check(res, a.what());
        JsonNode au = res.body().path("auth");
        String t = au.path("client_token").asString("");
        if (t.isEmpty()) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, a.what() + " returned no client_token");
        }
        token = t;
        tokenSince = clock.instant();
        tokenTtl = Duration.ofSeconds(au.path("lease_duration").asLong(0));
        renewable = au.path("renewable").asBoolean(false);
    }

    /** Learns the token's TTL; a token that cannot look itself up is still used (the read will tell). */
    private void lookupSelf() throws SourceFailure {
        Response res = call("GET", "/v1/auth/token/lookup-self", requireToken(), null);
        tokenSince = clock.instant();
        if (res.status() == 200) {
            JsonNode d = res.body().path("data");
            tokenTtl = Duration.ofSeconds(d.path("ttl").asLong(0));
            renewable = d.path("renewable").asBoolean(false);
        } else {
            tokenTtl = Duration.ZERO;
            renewable = false;
        }
    }

    private void renewSelf() throws SourceFailure {
        Response res = call("POST", "/v1/auth/token/renew-self", requireToken(), "{}".getBytes(StandardCharsets.UTF_8));
        if (res.status() == 200) {
            JsonNode au = res.body().path("auth");
            tokenSince = clock.instant();
            tokenTtl = Duration.ofSeconds(au.path("lease_duration").asLong(0));
            renewable = au.path("renewable").asBoolean(renewable);
            return;
        }
        if (auth instanceof Login a) {
            login(a);
            return;
        }
        check(res, "renewing the Vault token");
    }

    record Response(int status, JsonNode body, @Nullable Duration retryAfter) {}

    Response call(String method, String path, @Nullable String token, byte @Nullable [] body) throws SourceFailure {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(addr + path)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        if (namespace != null) {
            b.header("X-Vault-Namespace", namespace);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<InputStream> res = client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            JsonNode json = SourceHttp.jsonBody(res, MAX_BODY, "Vault");
            Duration retry = res.headers().firstValue("Retry-After").map(SourceHttp::retryAfter).orElse(null);
            return new Response(res.statusCode(), json, retry);
        } catch (IOException | InterruptedException e) {
            throw SourceHttp.transport(e, addr.getHost(), port(), TIMEOUT, caFile == null ? " (set --ca-file if Vault uses a private CA)" : "");
        }
    }

    private int port() {
        return addr.getPort() > 0 ? addr.getPort() : "https".equals(addr.getScheme()) ? 443 : 80;
    }

    static void check(Response res, String what) throws SourceFailure {
        int s = res.status();
        if (s >= 200 && s < 300) {
            return;
        }
        String msg = what + ": HTTP " + s + errors(res.body());
        throw switch (s) {
            case 400 -> new SourceFailure(SourceFailure.Kind.BAD_REF, msg);
            case 401, 403 -> new SourceFailure(SourceFailure.Kind.AUTH, msg);
            case 404 -> new SourceFailure(SourceFailure.Kind.NOT_FOUND, msg);
            case 429 -> new SourceFailure(SourceFailure.Kind.THROTTLED, msg, res.retryAfter());
            default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, msg, res.retryAfter());
        };
    }

    /** Vault's {@code {"errors": [...]}} messages, shortened (they name paths and reasons, never values). */
    static String errors(JsonNode body) {
        JsonNode e = body.path("errors");
        if (!e.isArray() || e.isEmpty()) {
            return "";
        }
        String m = e.get(0).asString("").replaceAll("\\p{Cntrl}", " ").strip();
        return m.isEmpty() ? "" : " (" + (m.length() > 200 ? m.substring(0, 200) + "..." : m) + ")";
    }


    static String readSecretFile(@Nullable Path p, String what) throws SourceFailure {
        if (p == null) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "no " + what);
        }
        try {
            if (Files.size(p) > 64 * 1024) {
                throw new SourceFailure(SourceFailure.Kind.AUTH, "the " + what + " " + p + " is too large");
            }
            String s = Files.readString(p).strip();
            if (s.isEmpty() || s.chars().anyMatch(Character::isISOControl)) {
                throw new SourceFailure(SourceFailure.Kind.AUTH, "the " + what + " " + p + " is empty or not one line");
            }
            return s;
        } catch (IOException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "cannot read the " + what + " " + p + ": " + e.getClass().getSimpleName());
        }
    }

    private HttpClient client() throws SourceFailure {
        HttpClient c = http;
        if (c != null) {
            return c;
        }
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
                .proxy(java.net.ProxySelector.of(null));
        if (caFile != null) {
            b.sslContext(trusting(caFile));
        }
        c = b.build();
        http = c;
        return c;
    }

    /** An SSL context that trusts only the CA certificates in {@code pem} (like VAULT_CACERT). */
    static SSLContext trusting(Path pem) throws SourceFailure {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, (X509Certificate) cert);
            }
            if (i == 0) {
                throw new SourceFailure(SourceFailure.Kind.TLS, "--ca-file " + pem + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new SourceFailure(SourceFailure.Kind.TLS, "cannot load --ca-file " + pem + ": " + e.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return "VaultKvSource[" + name + ", " + addr + "]";
    }
}
