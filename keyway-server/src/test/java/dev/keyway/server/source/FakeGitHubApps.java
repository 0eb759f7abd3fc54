package dev.keyway.server.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.util.Base64;
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
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local GitHub REST API for GitHub Apps, as GitHub documents it ("Authenticating as a GitHub
 * App", "Create an installation access token for an app"):
 * <ul>
 *   <li>{@code POST /app/installations/{installation_id}/access_tokens} with
 *       {@code Authorization: Bearer <JWT>}: the JWT must be RS256, its signature must verify with
 *       the registered app's <em>public</em> key, {@code iss} must be the app id, {@code iat} not
 *       in the future (60 s leeway) and {@code exp} in the future and at most 10 minutes after
 *       {@code iat}; otherwise 401 {@code {"message":"A JSON web token could not be decoded"}}
 *       (or the more precise message GitHub gives).</li>
 *   <li>an installation that does not belong to the app: 404 {@code {"message":"Not Found"}}.</li>
 *   <li>an optional JSON body narrowing the token: {@code repositories} (repository <em>names</em>,
 *       without the owner, at most 500) and {@code permissions} (permission → {@code read} /
 *       {@code write} / {@code admin}). A repository the installation cannot access is 422
 *       {@code "There is at least one repository that does not exist or is not accessible to the
 *       parent installation."}; a permission beyond the installation's is 422 {@code "The
 *       permissions requested are not granted to this installation."}; a body that is not a JSON
 *       object is 400 {@code "Problems parsing JSON"}.</li>
 *   <li>success: 201 {@code {"token":"ghs_…","expires_at":"<now + 1 h>","permissions":{…},
 *       "repository_selection":"all"|"selected"[,"repositories":[{"id","name","full_name"}]]}}:
 *       the permissions and repositories asked for, or the installation's own.</li>
 *   <li>{@code GET /repos/**} is a resource taking {@code Authorization: Bearer ghs_…}.</li>
 * </ul>
 * Time is the injected clock's (the test moves it with Keyway's). Every request is recorded before
 * it is answered.
 */
public final class FakeGitHubApps implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern PATH = Pattern.compile("^/app/installations/([0-9]+)/access_tokens$");

    public final MockWebServer server = new MockWebServer();
    /** app id -> public key */
    public final Map<String, PublicKey> apps = new ConcurrentHashMap<>();
    /** installation id -> app id */
    public final Map<String, String> installations = new ConcurrentHashMap<>();
    /** live installation token -> installation id */
    public final Map<String, String> tokens = new ConcurrentHashMap<>();
    /** "status path" of every token request, recorded before answering. */
    public final List<String> calls = new CopyOnWriteArrayList<>();
    /** The body of every token request ("" for none), recorded before answering. */
    public final List<String> bodies = new CopyOnWriteArrayList<>();
    /** live installation token -> the narrowing it was minted with (the request body), absent for a wide token */
    public final Map<String, String> narrowed = new ConcurrentHashMap<>();
    /** installation id -> its account (owner of its repositories); "octo" unless set */
    public final Map<String, String> accounts = new ConcurrentHashMap<>();
    /** installation id -> the repositories it may access; a, b and c unless set */
    public final Map<String, List<String>> repositories = new ConcurrentHashMap<>();
    /** installation id -> its permissions; contents:write, issues:write, metadata:read unless set */
    public final Map<String, Map<String, String>> permissions = new ConcurrentHashMap<>();
    private final Clock clock;
    private final AtomicInteger serial = new AtomicInteger();

    public FakeGitHubApps(Clock clock) throws IOException {
        this.clock = clock;
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

    private MockResponse answer(RecordedRequest r) {
        String path = r.getUrl().encodedPath();
        Matcher m = PATH.matcher(path);
        if (!m.matches() || !r.getMethod().equals("POST")) {
            calls.add("404 " + path);
            return message(404, "Not Found");
        }
        String authz = r.getHeaders().get("Authorization");
        String why = verify(authz == null || !authz.startsWith("Bearer ") ? "" : authz.substring(7), m.group(1));
        if (why != null) {
            calls.add((why.equals("Not Found") ? "404 " : "401 ") + path);
            return message(why.equals("Not Found") ? 404 : 401, why);
        }
        String installation = m.group(1);
        String body = r.getBody() == null ? "" : r.getBody().utf8();
        bodies.add(body);
        JsonNode narrowing;
        try {
            narrowing = body.isEmpty() ? null : JSON.readTree(body);
        } catch (RuntimeException e) {
            narrowing = null;
        }
        if (!body.isEmpty() && (narrowing == null || !narrowing.isObject())) {
            calls.add("400 " + path);
            return message(400, "Problems parsing JSON");
        }
        String account = accounts.getOrDefault(installation, "octo");
        List<String> repos = repositories.getOrDefault(installation, List.of("a", "b", "c"));
        Map<String, String> granted = permissions.getOrDefault(installation,
                Map.of("contents", "write", "issues", "write", "metadata", "read"));
        Map<String, Object> answer = new java.util.LinkedHashMap<>();
        answer.put("permissions", granted);
        answer.put("repository_selection", "all");
        if (narrowing != null) {
            String refused = refusal(narrowing, repos, granted);
            if (refused != null) {
                calls.add("422 " + path);
                return message(422, refused);
            }
            if (narrowing.get("permissions") instanceof JsonNode p && p.isObject()) {
                Map<String, String> asked = new java.util.TreeMap<>();
                p.properties().forEach(e -> asked.put(e.getKey(), e.getValue().asString()));
                answer.put("permissions", asked);
            }
            if (narrowing.get("repositories") instanceof JsonNode rs && rs.isArray()) {
                List<Map<String, Object>> list = new java.util.ArrayList<>();
                for (JsonNode n : rs) {
                    list.add(Map.of("id", 1000 + repos.indexOf(n.asString()), "name", n.asString(),
                            "full_name", account + "/" + n.asString()));
                }
                answer.put("repository_selection", "selected");
                answer.put("repositories", list);
            }
        }
        String token = "ghs_" + serial.incrementAndGet() + "x" + installation;
        answer.put("token", token);
        answer.put("expires_at", clock.instant().plusSeconds(3600).toString());
        tokens.put(token, installation);
        if (!body.isEmpty()) {
            narrowed.put(token, body);
        }
        calls.add("201 " + path);
        return new MockResponse.Builder().code(201).addHeader("Content-Type", "application/json; charset=utf-8")
                .body(JSON.writeValueAsString(answer)).build();
    }

    /** GitHub's 422 message when the narrowing asks for more than the installation has, else null. */
    private static @Nullable String refusal(JsonNode narrowing, List<String> repos, Map<String, String> granted) {
        if (narrowing.get("repositories") instanceof JsonNode rs) {
            if (!rs.isArray() || rs.size() > 500) {
                return "Invalid request.\n\nFor 'properties/repositories', is not an array of at most 500 items.";
            }
            for (JsonNode n : rs) {
                if (!n.isString() || !repos.contains(n.asString())) {
                    return "There is at least one repository that does not exist or is not accessible to the parent installation.";
                }
            }
        }
        if (narrowing.get("permissions") instanceof JsonNode p) {
            List<String> levels = List.of("read", "write", "admin");
            for (Map.Entry<String, JsonNode> e : p.properties()) {
                String has = granted.get(e.getKey());
                if (has == null || levels.indexOf(e.getValue().asString()) < 0
                        || levels.indexOf(e.getValue().asString()) > levels.indexOf(has)) {
                    return "The permissions requested are not granted to this installation.";
                }
            }
        }
        return null;
    }

    /** Null when the JWT is good for the installation, else GitHub's message. */
    private @Nullable String verify(String jwt, String installation) {
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3) {
            return "A JSON web token could not be decoded";
        }
        try {
            Base64.Decoder d = Base64.getUrlDecoder();
            JsonNode header = JSON.readTree(d.decode(parts[0]));
            JsonNode claims = JSON.readTree(d.decode(parts[1]));
            if (!header.path("alg").asString().equals("RS256")) {
                return "A JSON web token could not be decoded";
            }
            String iss = claims.path("iss").asString();
            PublicKey key = apps.get(iss);
            if (key == null) {
                return "Integration not found";
            }
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initVerify(key);
            s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!s.verify(d.decode(parts[2]))) {
                return "A JSON web token could not be decoded";
            }
            long now = clock.instant().getEpochSecond();
            long iat = claims.path("iat").asLong();
            long exp = claims.path("exp").asLong();
            if (iat > now + 60) {
                return "'Issued at' claim ('iat') must be an Integer representing a time in the past.";
            }
            if (exp <= now || exp - iat > 600) {
                return "'Expiration time' claim ('exp') is too far in the future";
            }
            if (!iss.equals(installations.get(installation))) {
                return "Not Found";
            }
            return null;
        } catch (Exception e) {
            return "A JSON web token could not be decoded";
        }
    }

    private static MockResponse message(int status, String message) {
        return new MockResponse.Builder().code(status).addHeader("Content-Type", "application/json; charset=utf-8")
                .body(JSON.writeValueAsString(Map.of("message", message,
                        "documentation_url", "https://docs.github.com/rest"))).build();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

}
