package dev.keyway.cli;

import dev.keyway.core.error.ErrorType;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A small client for the control-plane API. The token comes from {@code KEYWAY_TOKEN} if set,
 * otherwise from the admin-token file in the data dir. Problem documents from the server become
 * {@link CliException}s with the problem's detail and the matching exit code.
 */
public final class ApiClient {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Reads the user's YAML (or JSON) files: services and proposals. A key given twice is an error,
     * not "the last one wins": the file is sent as JSON, and the server must see what the user sees.
     */
    static final YAMLMapper YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final String base;
    private final @Nullable String token;
    private final Path tokenSource;
    private final HttpClient http;
    /** The X-Keyway-Vault value when fixed by the caller; otherwise KEYWAY_VAULT is read per request. */
    private final @Nullable String vault;
    private final boolean vaultFixed;
    /** Why a request carries (or lacks) a token: decides whether a 401 is explained as a missing token file. */
    private final TokenState tokenState;

    /**
     * SENT: a token goes with every request. MISSING: the caller wanted one but its file does not
     * exist (a 401 then names that file). ANONYMOUS: deliberately none (login, health): a 401 is the
     * server's own answer, e.g. "wrong e-mail or password", and is shown as is.
     */
    private enum TokenState { SENT, MISSING, ANONYMOUS }

    ApiClient(String base, @Nullable String token, Path tokenSource) {
        this(base, token, tokenSource, null, false, token == null ? TokenState.MISSING : TokenState.SENT);
    }

    private ApiClient(String base, @Nullable String token, Path tokenSource, @Nullable String vault, boolean vaultFixed,
            TokenState tokenState) {
        this.base = base;
        this.token = token;
        this.tokenState = tokenState;
        this.tokenSource = tokenSource;
        this.vault = vault;
        this.vaultFixed = vaultFixed;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).proxy(java.net.ProxySelector.of(null)).build();
    }

    /**
     * Chooses the token: {@code KEYWAY_TOKEN} (agent mode) first, then a live session from
     * {@code keyway login} ({@code session.json} in the data dir), then the local admin token.
     */
    public static ApiClient create(String base, Path dataDir) {
        String env = System.getenv("KEYWAY_TOKEN");
        if (env != null && !env.isBlank()) {
            return new ApiClient(base, env.strip(), Path.of("KEYWAY_TOKEN"));
        }
        Session session = Session.read(dataDir);
        if (session != null && session.live()) {
            return new ApiClient(base, session.token(), Session.file(dataDir));
        }
        Path f = dataDir.resolve("admin-token");
        String t = null;
        try {
            t = Files.readString(f, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            // reported on first authenticated call, so unauthenticated calls still work
        } catch (IOException e) {
            throw new CliException(ExitCodes.PERMISSION, "cannot read the admin token " + f + ": " + e.getMessage());
        }
        return new ApiClient(base, t, f);
    }

    public String base() {
        return base;
    }

    /** Where the token came from (for messages). */
    public Path tokenSource() {
        return tokenSource;
    }

    /** A client using an explicit token, or deliberately none when null (login/setup flows). */
    public ApiClient withToken(@Nullable String t) {
        return new ApiClient(base, t, tokenSource, vault, vaultFixed, t == null ? TokenState.ANONYMOUS : TokenState.SENT);
    }

    /** A client that sends exactly this vault header (none when null) instead of reading KEYWAY_VAULT. */
    public ApiClient withVault(@Nullable String v) {
        return new ApiClient(base, token, tokenSource, v, true, tokenState);
    }

    public JsonNode get(String path) {
        return send("GET", path, null);
    }

    public JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    public JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    public JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    /** GET returning the raw body text (e.g. the CA PEM). */
    public String getText(String path) {
        HttpResponse<String> r = exchange("GET", path, null);
        if (r.statusCode() >= 400) {
            throw problem(r);
        }
        return r.body();
    }

    private JsonNode send(String method, String path, @Nullable Object body) {
        HttpResponse<String> r = exchange(method, path, body);
        if (r.statusCode() >= 400) {
            throw problem(r);
        }
        if (r.body() == null || r.body().isEmpty()) {
            return JSON.createObjectNode();
        }
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> exchange(String method, String path, @Nullable Object body) {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "invalid server address '" + base + "': use a URL like http://127.0.0.1:9790");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        String vault = vaultFixed ? this.vault : System.getenv("KEYWAY_VAULT");
        if (vault != null && !vault.isBlank()) {
            b.header("X-Keyway-Vault", vault.strip());
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw unreachable();
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException) {
                throw unreachable();
            }
            throw new CliException(ExitCodes.UNREACHABLE, "cannot reach Keyway at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILURE, "interrupted");
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "invalid server address '" + base + "': " + e.getMessage());
        }
    }

    private CliException unreachable() {
        return new CliException(ExitCodes.UNREACHABLE, "cannot reach Keyway at " + base
                + " (is the server running? start it with 'keyway server', or set --addr / KEYWAY_ADDR)");
    }

    private CliException problem(HttpResponse<String> r) {
        String detail = "server answered HTTP " + r.statusCode();
        int code = r.statusCode() == 404 ? ExitCodes.NOT_FOUND : ExitCodes.FAILURE;
        JsonNode problem = null;
        try {
            JsonNode doc = JSON.readTree(r.body());
            if (doc.isObject() && doc.has("type")) {
                problem = doc;
            }
            if (doc.has("detail")) {
                detail = doc.get("detail").asString();
            }
            if (doc.has("type")) {
                String type = doc.get("type").asString();
                String slug = type.substring(type.lastIndexOf('/') + 1);
                code = ExitCodes.of(ErrorType.fromSlug(slug));
                if (slug.equals("unauthorized") && tokenState == TokenState.MISSING) {
                    detail = "no token: " + tokenSource + " does not exist (start the server once with this data dir, "
                            + "or set KEYWAY_TOKEN / --data-dir)";
                }
            }
        } catch (RuntimeException ignored) {
            // not a problem document; keep the generic message
        }
        return new CliException(code, detail, problem);
    }
}
