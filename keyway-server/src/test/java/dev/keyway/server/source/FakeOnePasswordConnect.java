package dev.keyway.server.source;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local 1Password Connect server speaking the parts of API v1 Keyway uses, as the "1Password
 * Connect Server API reference" (developer.1password.com/docs/connect/api-reference, spec 1.8.1)
 * describes them:
 * <ul>
 *   <li>{@code Authorization: Bearer TOKEN} on every request; a missing or unknown token is 401
 *       {@code {"status":401,"message":"Invalid token signature"}}, a token without access to a
 *       vault 403 {@code {"status":403,"message":"Authorization: Access denied to vault"}};</li>
 *   <li>"List vaults": {@code GET /v1/vaults?filter=name eq "NAME"} (SCIM filter; vaults filter by
 *       name) answers an array of {@code {"id","name","attributeVersion","contentVersion","items","type"}};</li>
 *   <li>"List items": {@code GET /v1/vaults/:vaultUUID/items?filter=title eq "TITLE"} answers an
 *       array of item summaries ({@code id}, {@code title}, {@code vault.id}, {@code category},
 *       {@code version}), 404 {@code {"status":404,"message":"vault not found"}};</li>
 *   <li>"Get item details": {@code GET /v1/vaults/:vaultUUID/items/:itemUUID} answers the full item
 *       with {@code sections} ({@code id}, {@code label}) and {@code fields} ({@code id},
 *       {@code type}, {@code purpose}, {@code label}, {@code value}, {@code section.id}), 404
 *       "item not found";</li>
 *   <li>UUIDs are 26 characters of {@code [0-9a-z]}.</li>
 * </ul>
 * Every request is recorded before it is answered.
 */
public final class FakeOnePasswordConnect implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern ITEMS = Pattern.compile("/v1/vaults/([0-9a-z]{26})/items");
    private static final Pattern ITEM = Pattern.compile("/v1/vaults/([0-9a-z]{26})/items/([0-9a-z]{26})");

    /** One recorded request: decoded path, the filter query parameter, the Authorization header. */
    public record Seen(String path, String filter, String authorization) {}

    public final MockWebServer server = new MockWebServer();
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** Tokens the server accepts -> the vault ids they may read. */
    public final Map<String, List<String>> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> vaults = new ConcurrentHashMap<>(); // id -> name
    private final Map<String, ObjectNode> items = new ConcurrentHashMap<>(); // item id -> full item
    /** A status (429, 500, 503) forced for every request while non-zero. */
    public volatile int forcedStatus;
    private final AtomicInteger ids = new AtomicInteger();

    public FakeOnePasswordConnect() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String filter = r.getUrl().queryParameter("filter");
                String auth = r.getHeaders().get("Authorization");
                seen.add(new Seen(r.getUrl().encodedPath(), filter == null ? "" : filter, auth == null ? "" : auth));
                return answer(r, auth, filter);
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** A new 26-character id. */
    String id() {
        String n = Integer.toString(ids.incrementAndGet(), 36);
        return "a".repeat(26 - n.length()) + n;
    }

    public String vault(String name) {
        String id = id();
        vaults.put(id, name);
        return id;
    }

    /** Adds an item with fields (label -> value) in no section, plus optional section fields "SECTION.label". */
    public String item(String vaultId, String title, Map<String, String> fields) {
        String id = id();
        ObjectNode item = JSON.createObjectNode();
        item.put("id", id);
        item.put("title", title);
        item.putObject("vault").put("id", vaultId);
        item.put("category", "API_CREDENTIAL");
        item.put("version", 1);
        ArrayNode sections = item.putArray("sections");
        ArrayNode fs = item.putArray("fields");
        Map<String, String> sectionIds = new ConcurrentHashMap<>();
        fields.forEach((label, value) -> {
            ObjectNode f = fs.addObject();
            String l = label;
            if (label.contains(".")) {
                String section = label.substring(0, label.indexOf('.'));
                l = label.substring(label.indexOf('.') + 1);
                String sid = sectionIds.computeIfAbsent(section, k -> {
                    String s = id();
                    sections.addObject().put("id", s).put("label", section);
                    return s;
                });
                f.putObject("section").put("id", sid);
            }
            f.put("id", id());
            f.put("type", "CONCEALED");
            f.put("label", l);
            if (value != null) {
                f.put("value", value);
            }
        });
        items.put(id, item);
        return id;
    }

    /** Replaces a field's value and bumps the item's version. */
    public void update(String itemId, String label, String value) {
        ObjectNode item = items.get(itemId);
        synchronized (item) {
            item.path("fields").forEach(f -> {
                if (f.path("label").asString().equals(label)) {
                    ((ObjectNode) f).put("value", value);
                }
            });
            item.put("version", item.path("version").asInt() + 1);
        }
    }

    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    private MockResponse answer(RecordedRequest r, String auth, String filter) {
        if (forcedStatus != 0) {
            return error(forcedStatus, forcedStatus == 429 ? "Too many requests" : "Failed to connect to 1password.com");
        }
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
        List<String> allowed = token == null ? null : tokens.get(token);
        if (allowed == null) {
            return error(401, "Invalid token signature");
        }
        if (!"GET".equals(r.getMethod())) {
            return error(405, "method not allowed");
        }
        String path = r.getUrl().encodedPath();
        if (path.equals("/v1/vaults")) {
            ArrayNode out = JSON.createArrayNode();
            vaults.forEach((id, name) -> {
                if (allowed.contains(id) && matches(filter, "name", name)) {
                    out.addObject().put("id", id).put("name", name).put("attributeVersion", 1).put("contentVersion", 1)
                            .put("items", 1).put("type", "USER_CREATED");
                }
            });
            return json(200, out.toString());
        }
        Matcher m = ITEM.matcher(path);
        Matcher l = ITEMS.matcher(path);
        String vaultId = m.matches() ? m.group(1) : l.matches() ? l.group(1) : null;
        if (vaultId == null) {
            return error(404, "not found");
        }
        if (!vaults.containsKey(vaultId)) {
            return error(404, "vault not found");
        }
        if (!allowed.contains(vaultId)) {
            return error(403, "Authorization: Access denied to vault");
        }
        if (l.matches()) {
            ArrayNode out = JSON.createArrayNode();
            for (ObjectNode item : items.values()) {
                if (item.path("vault").path("id").asString().equals(vaultId) && matches(filter, "title", item.path("title").asString())) {
                    ObjectNode s = out.addObject();
                    s.put("id", item.path("id").asString());
                    s.put("title", item.path("title").asString());
                    s.putObject("vault").put("id", vaultId);
                    s.put("category", item.path("category").asString());
                    s.put("version", item.path("version").asInt());
                }
            }
            return json(200, out.toString());
        }
        ObjectNode item = items.get(m.group(2));
        if (item == null || !item.path("vault").path("id").asString().equals(vaultId)) {
            return error(404, "item not found");
        }
        synchronized (item) {
            return json(200, item.toString());
        }
    }

    /** SCIM {@code ATTR eq "VALUE"}; no filter matches everything. */
    private static boolean matches(String filter, String attr, String value) {
        if (filter == null) {
            return true;
        }
        Matcher m = Pattern.compile("(\\w+) eq \"([^\"]*)\"").matcher(filter);
        return m.matches() && m.group(1).equals(attr) && m.group(2).equals(value);
    }

    private static MockResponse error(int status, String message) {
        return json(status, "{\"status\":" + status + ",\"message\":\"" + message + "\"}");
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
