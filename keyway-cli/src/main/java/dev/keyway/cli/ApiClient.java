package dev.keyway.cli;

import dev.keyway.core.error.ErrorType;
import dev.keyway.cli.ApiTransport.Header;
import dev.keyway.cli.ApiTransport.Limits;
import dev.keyway.cli.ApiTransport.Reply;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A small client for the control-plane API. The token comes from {@code KEYWAY_TOKEN} if set,
 * otherwise from the admin-token file in the data dir. Problem documents from the server become
 * {@link CliException}s with the problem's detail and the matching exit code. The bytes go through
 * an {@link ApiTransport} chosen by the URL's scheme: {@link PlainHttp} for {@code http://} (no JDK
 * HTTP client or TLS classes loaded: the CLI's start-up cost, docs/benchmarks.md "CLI start"),
 * {@link JdkHttps} for {@code https://}.
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
    private final Transports transports;
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

    /**
     * The two transports with the same limits, shared by the copies {@link #withToken} and {@link
     * #withVault} make (so an https client is built once per process, and only if used).
     */
    private record Transports(PlainHttp http, JdkHttps https) {
        Transports(Limits limits) {
            this(new PlainHttp(limits), new JdkHttps(limits));
        }
    }

    ApiClient(String base, @Nullable String token, Path tokenSource) {
        this(base, token, tokenSource, Limits.DEFAULT);
    }

    /** With other bounds than {@link Limits#DEFAULT} (tests: short timeouts, small bodies). */
    ApiClient(String base, @Nullable String token, Path tokenSource, Limits limits) {
        this(base, token, tokenSource, null, false, token == null ? TokenState.MISSING : TokenState.SENT,
                new Transports(limits));
    }

    private ApiClient(String base, @Nullable String token, Path tokenSource, @Nullable String vault, boolean vaultFixed,
            TokenState tokenState, Transports transports) {
        this.base = base;
        this.token = token;
        this.tokenState = tokenState;
        this.tokenSource = tokenSource;
        this.vault = vault;
        this.vaultFixed = vaultFixed;
        this.transports = transports;
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
        return new ApiClient(base, t, tokenSource, vault, vaultFixed, t == null ? TokenState.ANONYMOUS : TokenState.SENT,
                transports);
    }

    /** A client that sends exactly this vault header (none when null) instead of reading KEYWAY_VAULT. */
    public ApiClient withVault(@Nullable String v) {
        return new ApiClient(base, token, tokenSource, v, true, tokenState, transports);
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
        Reply r = exchange("GET", path, null);
        if (r.status() >= 400) {
            throw problem(r);
        }
        return r.body();
    }

    private JsonNode send(String method, String path, @Nullable Object body) {
        Reply r = exchange(method, path, body);
        if (r.status() >= 400) {
            throw problem(r);
        }
        if (r.body().isEmpty()) {
            return JSON.createObjectNode();
        }
        return JSON.readTree(r.body());
    }

    private Reply exchange(String method, String path, @Nullable Object body) {
        URI uri;
        try {
            uri = URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw invalidAddress();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https"))) {
            throw invalidAddress();
        }
        List<Header> headers = new ArrayList<>(4);
        if (token != null) {
            headers.add(new Header("Authorization", "Bearer " + token));
        }
        String vault = vaultFixed ? this.vault : System.getenv("KEYWAY_VAULT");
        if (vault != null && !vault.isBlank()) {
            headers.add(new Header("X-Keyway-Vault", vault.strip()));
        }
        byte[] bytes = null;
        if (body != null) {
            headers.add(new Header("Content-Type", "application/json"));
            bytes = JSON.writeValueAsBytes(body);
        }
        for (Header h : headers) {
            if (!PlainHttp.isFieldValue(h.value())) {
                // never echo the value: it may be a token
                throw new CliException(ExitCodes.USAGE, "the " + h.name() + " header would contain a line break or "
                        + "another control character; check KEYWAY_TOKEN / KEYWAY_VAULT and the token file");
            }
        }
        ApiTransport transport = scheme.equals("http") ? transports.http() : transports.https();
        try {
            return transport.exchange(method, uri, headers, bytes);
        } catch (ConnectException | UnknownHostException e) {
            throw unreachable();
        } catch (ApiTransport.TooLarge e) {
            throw new CliException(ExitCodes.FAILURE, e.getMessage() + " (" + base + path + ")");
        } catch (SocketTimeoutException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "cannot reach Keyway at " + base + ": " + e.getMessage());
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException) {
                throw unreachable();
            }
            throw new CliException(ExitCodes.UNREACHABLE, "cannot reach Keyway at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILURE, "interrupted");
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "cannot send the request to '" + base + "': " + e.getMessage());
        }
    }

    private CliException invalidAddress() {
        return new CliException(ExitCodes.USAGE, "invalid server address '" + base + "': use a URL like http://127.0.0.1:9790");
    }

    private CliException unreachable() {
        return new CliException(ExitCodes.UNREACHABLE, "cannot reach Keyway at " + base
                + " (is the server running? start it with 'keyway server', or set --addr / KEYWAY_ADDR)");
    }

    private CliException problem(Reply r) {
        String detail = "server answered HTTP " + r.status();
        int code = r.status() == 404 ? ExitCodes.NOT_FOUND : ExitCodes.FAILURE;
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
