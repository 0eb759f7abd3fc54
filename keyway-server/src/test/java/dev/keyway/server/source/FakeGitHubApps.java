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
 *   <li>success: 201 {@code {"token":"ghs_…","expires_at":"<now + 1 h>","permissions":{…},
 *       "repository_selection":"all"}}.</li>
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
        String token = "ghs_" + serial.incrementAndGet() + "x" + m.group(1);
        tokens.put(token, m.group(1));
        calls.add("201 " + path);
        return new MockResponse.Builder().code(201).addHeader("Content-Type", "application/json; charset=utf-8")
                .body(JSON.writeValueAsString(Map.of("token", token, "expires_at", clock.instant().plusSeconds(3600).toString(),
                        "permissions", Map.of("contents", "read"), "repository_selection", "all"))).build();
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
