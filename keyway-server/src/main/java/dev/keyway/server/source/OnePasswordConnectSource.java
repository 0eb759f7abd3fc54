package dev.keyway.server.source;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * {@code 1password-connect}: reads a field of an item through a 1Password Connect server's API v1
 * with {@code Authorization: Bearer TOKEN}, resolving {@code op://VAULT/ITEM[/SECTION]/FIELD} the way
 * the {@code op} CLI does: {@code GET /v1/vaults?filter=name eq "VAULT"} (a 26-character vault id is
 * also accepted), {@code GET /v1/vaults/ID/items?filter=title eq "ITEM"} (likewise for an item id),
 * then {@code GET /v1/vaults/ID/items/ID} and the field whose {@code label} or {@code id} is
 * {@code FIELD} (within the section whose {@code label} or {@code id} is {@code SECTION} when given).
 * The version is the item's {@code version}.
 *
 * <p>The token is either stored sealed ({@code --token-stdin}) or read from a file at every fetch
 * ({@code --token-file}, so a rotated token is used at once). Errors: Connect's
 * {@code {"status":N,"message":"..."}}: 401/403 auth, 404 not found, 429 throttled (honouring
 * {@code Retry-After}), 5xx unavailable; no match for a vault, item or field is not found, several
 * items with the title is a bad reference (ambiguous: use the item's id).
 */
final class OnePasswordConnectSource implements SecretSource {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_BODY = 4 * 1024 * 1024;
    private static final String ID = "[0-9a-z]{26}";

    /** A parsed {@code op://} reference. */
    record Ref(String vault, String item, @Nullable String section, String field) {
        static Ref parse(String ref) throws SourceFailure {
            if (!ref.startsWith("op://") || ref.length() > 1024 || ref.chars().anyMatch(c -> c < ' ' || c == 0x7f || c == '"')) {
                throw bad();
            }
            String[] p = ref.substring("op://".length()).split("/", -1);
            if (p.length < 3 || p.length > 4) {
                throw bad();
            }
            for (String s : p) {
                if (s.isBlank()) {
                    throw bad();
                }
            }
            return p.length == 3 ? new Ref(p[0], p[1], null, p[2]) : new Ref(p[0], p[1], p[2], p[3]);
        }

        private static SourceFailure bad() {
            return new SourceFailure(SourceFailure.Kind.BAD_REF,
                    "the reference must be op://VAULT/ITEM/FIELD or op://VAULT/ITEM/SECTION/FIELD (names or ids, no '\"')");
        }
    }

    /** Where the bearer token comes from. */
    sealed interface Token {}

    record TokenFile(Path path) implements Token {}

    record StaticToken(String token) implements Token {
        @Override
        public String toString() {
            return "StaticToken[]";
        }
    }

    private final String name;
    private final URI url;
    private final Token token;
    private final @Nullable Path caFile;
    private volatile @Nullable HttpClient http;

    OnePasswordConnectSource(String name, URI url, Token token, @Nullable Path caFile) {
        this.name = name;
        this.url = url;
        this.token = token;
        this.caFile = caFile;
    }

    @Override
    public void checkRef(String ref) throws SourceFailure {
        Ref.parse(ref);
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        Ref r = Ref.parse(ref);
        String t = switch (token) {
            case StaticToken s -> s.token();
            case TokenFile f -> VaultKvSource.readSecretFile(f.path(), "1Password Connect token file");
        };
        String vaultId = resolve(t, "/v1/vaults?filter=" + filter("name", r.vault()), r.vault(), "vault", "name");
        String itemId = resolve(t, "/v1/vaults/" + vaultId + "/items?filter=" + filter("title", r.item()), r.item(), "item",
                "title");
        JsonNode item = get(t, "/v1/vaults/" + vaultId + "/items/" + itemId, "item '" + r.item() + "'");
        String sectionId = null;
        if (r.section() != null) {
            for (JsonNode s : item.path("sections")) {
                if (r.section().equals(s.path("id").asString("")) || r.section().equals(s.path("label").asString(""))) {
                    sectionId = s.path("id").asString("");
                }
            }
            if (sectionId == null) {
                throw new SourceFailure(SourceFailure.Kind.NOT_FOUND, "item '" + r.item() + "' has no section '" + r.section() + "'");
            }
        }
        List<JsonNode> matches = new ArrayList<>();
        for (JsonNode f : item.path("fields")) {
            boolean named = r.field().equals(f.path("id").asString("")) || r.field().equals(f.path("label").asString(""));
            boolean inSection = sectionId == null || sectionId.equals(f.path("section").path("id").asString(""));
            if (named && inSection) {
                matches.add(f);
            }
        }
        if (matches.isEmpty()) {
            throw new SourceFailure(SourceFailure.Kind.NOT_FOUND, "item '" + r.item() + "' has no field '" + r.field() + "'");
        }
        if (matches.size() > 1) {
            throw new SourceFailure(SourceFailure.Kind.BAD_REF, "item '" + r.item() + "' has " + matches.size()
                    + " fields named '" + r.field() + "': use op://VAULT/ITEM/SECTION/FIELD or the field's id");
        }
        JsonNode v = matches.getFirst().get("value");
        if (v == null || v.isNull() || !v.isString()) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, "field '" + r.field() + "' of item '" + r.item() + "' has no value");
        }
        String version = item.has("version") ? item.path("version").asString() : "-";
        return new Fetched(v.asString().getBytes(StandardCharsets.UTF_8), version);
    }

    private static String filter(String attribute, String value) {
        return URLEncoder.encode(attribute + " eq \"" + value + "\"", StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The id of the one vault or item whose name or title is {@code wanted}; an id given as such is used when nothing has that name. */
    private String resolve(String t, String path, String wanted, String what, String attribute) throws SourceFailure {
        JsonNode list = get(t, path, what + " '" + wanted + "'");
        List<String> ids = new ArrayList<>();
        for (JsonNode n : list) {
            if (wanted.equals(n.path(attribute).asString(""))) {
                ids.add(n.path("id").asString(""));
            }
        }
        if (ids.isEmpty() && wanted.matches(ID)) {
            return wanted;
        }
        if (ids.isEmpty()) {
            throw new SourceFailure(SourceFailure.Kind.NOT_FOUND, "no " + what + " named '" + wanted
                    + "' that this Connect token can read");
        }
        if (ids.size() > 1) {
            throw new SourceFailure(SourceFailure.Kind.BAD_REF, ids.size() + " " + what + "s are named '" + wanted
                    + "': use the " + what + "'s id in the reference");
        }
        String id = ids.getFirst();
        if (!id.matches(ID)) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, "the Connect server answered an unexpected " + what + " id");
        }
        return id;
    }

    private JsonNode get(String t, String path, String what) throws SourceFailure {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + path)).timeout(TIMEOUT).GET()
                .header("Authorization", "Bearer " + t).header("Accept", "application/json").build();
        int status;
        JsonNode json;
        Duration retry;
        try {
            HttpResponse<InputStream> res = client().send(req, HttpResponse.BodyHandlers.ofInputStream());
            json = SourceHttp.jsonBody(res, MAX_BODY, "the Connect server");
            status = res.statusCode();
            retry = res.headers().firstValue("Retry-After").map(SourceHttp::retryAfter).orElse(null);
        } catch (IOException | InterruptedException e) {
            throw SourceHttp.transport(e, url.getHost(), port(), TIMEOUT, caFile == null ? " (set --ca-file if the Connect server uses a private CA)" : "");
        }
        if (status == 200) {
            return json;
        }
        throw failure("reading " + what, status, json, retry);
    }

    /** Connect's error answer mapped to a failure (table-tested). */
    static SourceFailure failure(String what, int status, JsonNode body, @Nullable Duration retryAfter) {
        String m = body.path("message").asString("").replaceAll("\\p{Cntrl}", " ").strip();
        String msg = what + ": HTTP " + status + (m.isEmpty() ? "" : " (" + (m.length() > 200 ? m.substring(0, 200) + "..." : m) + ")");
        return switch (status) {
            case 400 -> new SourceFailure(SourceFailure.Kind.BAD_REF, msg);
            case 401, 403 -> new SourceFailure(SourceFailure.Kind.AUTH, msg);
            case 404 -> new SourceFailure(SourceFailure.Kind.NOT_FOUND, msg);
            case 429 -> new SourceFailure(SourceFailure.Kind.THROTTLED, msg, retryAfter);
            default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, msg, retryAfter);
        };
    }


    private int port() {
        return url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
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
        return "OnePasswordConnectSource[" + name + ", " + url + "]";
    }
}
