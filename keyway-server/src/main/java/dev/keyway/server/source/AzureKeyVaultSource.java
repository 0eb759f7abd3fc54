package dev.keyway.server.source;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.server.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * {@code azure-key-vault}: a secret of Azure Key Vault, {@code VAULTNAME/SECRET[/VERSION]}, read with
 * Key Vault's REST API ({@code GET https://VAULT.vault.azure.net/secrets/NAME[/VERSION]?api-version=7.5},
 * {@code Authorization: Bearer}); the value is the answer's {@code value}, the version the last
 * segment of its {@code id}.
 *
 * <p>The token comes from the Microsoft identity platform's OAuth 2.0 client credentials flow
 * ({@code POST AUTHORITY/TENANT/oauth2/v2.0/token}, {@code grant_type=client_credentials},
 * {@code scope=https://vault.azure.net/.default}), the application authenticating with a client
 * secret (stored sealed) or a federated token ({@code client_assertion_type=
 * urn:ietf:params:oauth:client-assertion-type:jwt-bearer}, {@code client_assertion} = the contents
 * of the federated token file, which Kubernetes workload identity rotates: read at every token
 * request). Tokens are cached until a minute before {@code expires_in}; a 401 mints once more.
 *
 * <p>Errors: Key Vault's {@code {"error":{"code","message"}}} — 401 auth, 403 ({@code Forbidden},
 * {@code ForbiddenByRbac}, a disabled secret) auth, 404 ({@code SecretNotFound}, a vault name that
 * does not resolve) not found, 429 ({@code Throttled}) throttled honouring {@code Retry-After}, 5xx
 * unavailable; the token endpoint's {@code invalid_client} / {@code unauthorized_client} (AADSTS
 * codes quoted) auth.
 */
final class AzureKeyVaultSource implements SecretSource {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final String DEFAULT_AUTHORITY = "https://login.microsoftonline.com";
    static final String DEFAULT_SUFFIX = "vault.azure.net";
    static final String API_VERSION = "7.5";
    static final int MAX_BODY = 1024 * 1024;
    /** Key Vault's names: a vault 3-24 alphanumerics and hyphens, a secret 1-127, a version 32 hex digits. */
    private static final Pattern REF = Pattern.compile(
            "([A-Za-z](?:[A-Za-z0-9]|-(?!-)){1,22}[A-Za-z0-9])/([A-Za-z0-9-]{1,127})(?:/([0-9a-fA-F]{32}))?");

    /** A parsed reference. */
    record Ref(String vault, String secret, @Nullable String version) {
        static Ref parse(String ref) throws SourceFailure {
            Matcher m = REF.matcher(ref);
            if (!m.matches()) {
                throw new SourceFailure(SourceFailure.Kind.BAD_REF,
                        "the reference must be VAULTNAME/SECRET[/VERSION] (vault 3-24 letters, digits and '-';"
                                + " secret letters, digits and '-'; version 32 hex digits)");
            }
            return new Ref(m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2), m.group(3));
        }
    }

    /** How the application authenticates. */
    sealed interface Credential {}

    /** A client secret, stored sealed. */
    record ClientSecret(String secret) implements Credential {
        @Override
        public String toString() {
            return "ClientSecret[]";
        }
    }

    /** A federated token file (workload identity), read at every token request. */
    record FederatedTokenFile(Path path) implements Credential {}

    private record Answer(int status, JsonNode body, @Nullable Duration retryAfter) {}

    private final String name;
    private final String tenant;
    private final String clientId;
    private final Credential credential;
    private final URI authority;
    private final String suffix;
    private final String vaultUrlTemplate;
    private final Clock clock;
    private final HttpClient http;

    // guarded by this
    private @Nullable String token;
    private Instant tokenExpires = Instant.EPOCH;

    /**
     * @param vaultUrlTemplate the vault's base URL with {@code {vault}} for the vault's name, e.g.
     *     {@code https://{vault}.vault.azure.net} (the default from {@code suffix})
     */
    AzureKeyVaultSource(String name, String tenant, String clientId, Credential credential, URI authority, String suffix,
            String vaultUrlTemplate, Clock clock) {
        this.name = name;
        this.tenant = tenant;
        this.clientId = clientId;
        this.credential = credential;
        this.authority = authority;
        this.suffix = suffix;
        this.vaultUrlTemplate = vaultUrlTemplate;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
                .proxy(java.net.ProxySelector.of(null)).build();
    }

    /** The token's scope: the vault resource of the cloud, {@code https://vault.azure.net/.default} in the public one. */
    String scope() {
        return "https://" + suffix + "/.default";
    }

    @Override
    public void checkRef(String ref) throws SourceFailure {
        Ref.parse(ref);
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        Ref r = Ref.parse(ref);
        URI uri = URI.create(vaultUrlTemplate.replace("{vault}", r.vault()) + "/secrets/" + r.secret()
                + (r.version() == null ? "" : "/" + r.version()) + "?api-version=" + API_VERSION);
        String what = "reading secret " + r.secret() + (r.version() == null ? "" : "/" + r.version()) + " of vault " + r.vault();
        String t = token();
        Answer a = send(HttpRequest.newBuilder(uri).GET().header("Authorization", "Bearer " + t), what);
        if (a.status() == 401) {
            synchronized (this) {
                if (t.equals(token)) {
                    token = null;
                }
            }
            a = send(HttpRequest.newBuilder(uri).GET().header("Authorization", "Bearer " + token()), what);
        }
        if (a.status() != 200) {
            throw failure(what, a.status(), a.body(), a.retryAfter());
        }
        JsonNode v = a.body().get("value");
        if (v == null || !v.isString()) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, what + ": the answer has no string value");
        }
        String id = a.body().path("id").asString("");
        String version = id.matches("https?://.*/secrets/[A-Za-z0-9-]+/[0-9a-fA-F]{32}") ? id.substring(id.lastIndexOf('/') + 1)
                : r.version() != null ? r.version() : "-";
        return new Fetched(v.asString().getBytes(StandardCharsets.UTF_8), version);
    }

    /** A valid access token: the cached one, or a new one from the token endpoint. */
    synchronized String token() throws SourceFailure {
        String t = token;
        if (t != null && clock.instant().isBefore(tokenExpires.minusSeconds(60))) {
            return t;
        }
        token = null;
        Instant now = clock.instant();
        URI endpoint = URI.create(authority + "/" + tenant + "/oauth2/v2.0/token");
        StringBuilder form = new StringBuilder("grant_type=client_credentials&client_id=").append(enc(clientId))
                .append("&scope=").append(enc(scope()));
        String secret;
        switch (credential) {
            case ClientSecret c -> {
                secret = c.secret();
                form.append("&client_secret=").append(enc(secret));
            }
            case FederatedTokenFile f -> {
                secret = readAssertion(f.path());
                form.append("&client_assertion_type=").append(enc("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
                        .append("&client_assertion=").append(enc(secret));
            }
        }
        String what = "getting a token for client " + clientId + " in tenant " + tenant;
        Answer a = send(HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(form.toString()))
                .header("Content-Type", "application/x-www-form-urlencoded"), what);
        if (a.status() != 200) {
            String err = a.body().path("error").isString() ? a.body().path("error").asString("") : "";
            String desc = a.body().path("error_description").asString("");
            // Entra ID's descriptions carry a trace id and timestamp after the first line; the first line says why
            int nl = desc.indexOf('\n');
            desc = (nl > 0 ? desc.substring(0, nl) : desc).replace(secret, "***");
            String msg = what + ": HTTP " + a.status() + quote(err + (desc.isEmpty() ? "" : ": " + desc));
            throw switch (a.status()) {
                case 400, 401, 403 -> new SourceFailure(SourceFailure.Kind.AUTH, msg);
                case 429 -> new SourceFailure(SourceFailure.Kind.THROTTLED, msg, a.retryAfter());
                default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, msg, a.retryAfter());
            };
        }
        String access = a.body().path("access_token").asString("");
        if (access.isEmpty() || access.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, what + ": the token endpoint answered no usable access_token");
        }
        token = access;
        tokenExpires = now.plusSeconds(Math.max(0, a.body().path("expires_in").asLong(3599)));
        return access;
    }

    private static String readAssertion(Path p) throws SourceFailure {
        try {
            if (Files.size(p) > 64 * 1024) {
                throw new SourceFailure(SourceFailure.Kind.AUTH, "the federated token file " + p + " is too large");
            }
            String s = Files.readString(p).strip();
            if (s.isEmpty() || s.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
                throw new SourceFailure(SourceFailure.Kind.AUTH, "the federated token file " + p + " is empty or not a JWT");
            }
            return s;
        } catch (IOException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "cannot read the federated token file " + p + ": "
                    + e.getClass().getSimpleName());
        }
    }

    private Answer send(HttpRequest.Builder b, String what) throws SourceFailure {
        HttpRequest req = b.timeout(TIMEOUT).header("Accept", "application/json").build();
        URI u = req.uri();
        try {
            HttpResponse<InputStream> res = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            JsonNode json = SourceHttp.jsonBody(res, MAX_BODY, what + ": " + u.getHost());
            if (!json.isObject()) {
                json = Json.MAPPER.createObjectNode();
            }
            return new Answer(res.statusCode(), json, res.headers().firstValue("Retry-After").map(SourceHttp::retryAfter).orElse(null));
        } catch (IOException | InterruptedException e) {
            int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
            SourceFailure f = SourceHttp.transport(e, u.getHost(), port, TIMEOUT, "");
            throw new SourceFailure(f.kind(), what + ": " + f.getMessage(), f.retryAfter());
        }
    }

    /** Key Vault's error answer mapped to a failure (table-tested). */
    static SourceFailure failure(String what, int status, JsonNode body, @Nullable Duration retryAfter) {
        JsonNode e = body.path("error");
        String code = e.path("code").asString("");
        String inner = e.path("innererror").path("code").asString("");
        String msg = what + ": HTTP " + status + quote(code + (inner.isEmpty() ? "" : "/" + inner)
                + (e.path("message").asString("").isEmpty() ? "" : ": " + e.path("message").asString("")));
        return switch (status) {
            case 400 -> new SourceFailure(SourceFailure.Kind.BAD_REF, msg);
            case 401, 403 -> new SourceFailure(SourceFailure.Kind.AUTH, msg);
            case 404 -> new SourceFailure(SourceFailure.Kind.NOT_FOUND, msg);
            case 429 -> new SourceFailure(SourceFailure.Kind.THROTTLED, msg, retryAfter);
            default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, msg, retryAfter);
        };
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String quote(String m) {
        String s = m.replaceAll("\\p{Cntrl}", " ").strip();
        if (s.isEmpty() || s.equals(":")) {
            return "";
        }
        return " (" + (s.length() > 300 ? s.substring(0, 300) + "..." : s) + ")";
    }

    @Override
    public String toString() {
        return "AzureKeyVaultSource[" + name + ", " + vaultUrlTemplate + "]";
    }
}
