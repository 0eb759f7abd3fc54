package dev.keyway.server.source;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local OAuth 2.0 authorization server whose token endpoint follows RFC 6749, and a protected
 * resource that accepts its access tokens, so Keyway's minting is tested against the protocol
 * rather than against itself.
 *
 * <ul>
 *   <li>§3.2: the token endpoint ({@code POST /token}) takes only POST with an
 *       {@code application/x-www-form-urlencoded} body; anything else is {@code invalid_request}.</li>
 *   <li>§2.3.1: client authentication by HTTP Basic ({@code client_secret_basic}: the id and
 *       secret form-encoded, Appendix B, then joined by ':') or by {@code client_id} and
 *       {@code client_secret} in the body ({@code client_secret_post}); each registered client
 *       accepts the one method it was registered with. §2.3: more than one method in a request is
 *       {@code invalid_request}. §3.2.1: a public client (no secret) identifies itself with
 *       {@code client_id}.</li>
 *   <li>§6: {@code grant_type=refresh_token} with a refresh token issued to the authenticated
 *       client, else {@code invalid_grant}; a {@code scope} beyond the original grant is
 *       {@code invalid_scope}. With rotation on (§10.4), a new refresh token is issued and the
 *       old one is revoked at once, so a client that keeps using the old one gets
 *       {@code invalid_grant}.</li>
 *   <li>§4.4: {@code grant_type=client_credentials}, confidential clients only
 *       ({@code unauthorized_client} otherwise); §4.4.3: no refresh token is issued.</li>
 *   <li>§5.1: success is 200 {@code application/json} with {@code Cache-Control: no-store},
 *       {@code access_token}, {@code token_type} "Bearer", {@code expires_in} and, when issued,
 *       {@code refresh_token}.</li>
 *   <li>§5.2: errors are 400 with {@code {"error": ..., "error_description": ...}}, except
 *       {@code invalid_client}, which is 401 with {@code WWW-Authenticate: Basic} when the client
 *       used Basic.</li>
 *   <li>RFC 6750 §2.1/§3.1: {@code GET /api/**} on the same server is a protected resource taking
 *       {@code Authorization: Bearer <access token>}; an unknown token is 401 {@code invalid_token}.</li>
 * </ul>
 * Every request is recorded before it is answered.
 */
public final class FakeOAuthServer implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** A registered client: its secret (null for a public client) and the one auth method it accepts. */
    public record Client(@Nullable String secret, String method) {}

    /** One token request as received: the grant, the client auth used, and the form (secrets included). */
    public record TokenCall(String grant, String method, Map<String, String> form) {}

    public final MockWebServer server = new MockWebServer();
    public final Map<String, Client> clients = new ConcurrentHashMap<>();
    /** live refresh token -> (client id, granted scopes) */
    public final Map<String, Map.Entry<String, Set<String>>> refreshTokens = new ConcurrentHashMap<>();
    /** live access token -> client id */
    public final Map<String, String> accessTokens = new ConcurrentHashMap<>();
    public final List<TokenCall> tokenCalls = new CopyOnWriteArrayList<>();
    /** "Authorization" header of every resource request, recorded before answering. */
    public final List<String> resourceCalls = new CopyOnWriteArrayList<>();
    /** Forced answers for the next token requests (e.g. 503), used before any real processing. */
    public final ArrayDeque<MockResponse> forced = new ArrayDeque<>();
    public volatile boolean rotate = true;
    public volatile long expiresIn = 3600;
    private final AtomicInteger serial = new AtomicInteger();

    public FakeOAuthServer() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String path = r.getUrl().encodedPath();
                if (path.startsWith("/api/")) {
                    String authz = r.getHeaders().get("Authorization");
                    resourceCalls.add(authz == null ? "" : authz);
                    String token = authz != null && authz.startsWith("Bearer ") ? authz.substring(7) : "";
                    String client = accessTokens.get(token);
                    return client == null
                            ? new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                                    .body("invalid_token").build()
                            : new MockResponse.Builder().code(200).body("resource-ok for " + client).build();
                }
                if (path.equals("/token")) {
                    return token(r);
                }
                return new MockResponse.Builder().code(404).build();
            }
        });
        server.start();
    }

    public String tokenUrl() {
        return "http://127.0.0.1:" + server.getPort() + "/token";
    }

    /** Issues a refresh token to {@code clientId} for {@code scopes}, as an authorization-code grant would. */
    public String issueRefreshToken(String clientId, Set<String> scopes) {
        String rt = "rt-" + serial.incrementAndGet() + "-" + clientId;
        refreshTokens.put(rt, Map.entry(clientId, Set.copyOf(scopes)));
        return rt;
    }

    public List<TokenCall> calls(String grant) {
        return tokenCalls.stream().filter(c -> c.grant().equals(grant)).toList();
    }

    private synchronized MockResponse token(RecordedRequest r) {
        Map<String, String> form = form(r);
        String authz = r.getHeaders().get("Authorization");
        boolean basic = authz != null && authz.startsWith("Basic ");
        boolean post = form.containsKey("client_secret");
        tokenCalls.add(new TokenCall(form.getOrDefault("grant_type", ""), basic ? "basic" : post ? "post" : "none", form));
        MockResponse f = forced.poll();
        if (f != null) {
            return f;
        }
        if (!r.getMethod().equals("POST") || !String.valueOf(r.getHeaders().get("Content-Type"))
                .startsWith("application/x-www-form-urlencoded")) {
            return error(400, "invalid_request", "the token endpoint takes POST with a form body", false);
        }
        if (basic && post) {
            return error(400, "invalid_request", "more than one client authentication method", false);
        }
        String clientId;
        String secret;
        if (basic) {
            String pair = new String(Base64.getDecoder().decode(authz.substring(6)), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            clientId = decode(pair.substring(0, colon));
            secret = decode(pair.substring(colon + 1));
        } else {
            clientId = form.get("client_id");
            secret = form.get("client_secret");
        }
        Client c = clientId == null ? null : clients.get(clientId);
        String used = basic ? "basic" : post ? "post" : "none";
        if (c == null || !java.util.Objects.equals(c.secret(), secret) || c.secret() != null && !c.method().equals(used)) {
            return error(401, "invalid_client", "client authentication failed", basic);
        }
        String grant = form.getOrDefault("grant_type", "");
        Set<String> requested = form.containsKey("scope") ? Set.of(form.get("scope").split(" ")) : null;
        switch (grant) {
            case "refresh_token" -> {
                Map.Entry<String, Set<String>> rt = refreshTokens.get(form.getOrDefault("refresh_token", ""));
                if (rt == null || !rt.getKey().equals(clientId)) {
                    return error(400, "invalid_grant", "the refresh token is invalid, expired or revoked", false);
                }
                if (requested != null && !rt.getValue().containsAll(requested)) {
                    return error(400, "invalid_scope", "the requested scope exceeds the original grant", false);
                }
                String newRt = null;
                if (rotate) {
                    refreshTokens.remove(form.get("refresh_token"));
                    newRt = issueRefreshToken(clientId, rt.getValue());
                }
                return success(clientId, newRt);
            }
            case "client_credentials" -> {
                if (c.secret() == null) {
                    return error(400, "unauthorized_client", "public clients cannot use client_credentials", false);
                }
                return success(clientId, null);
            }
            default -> {
                return error(400, "unsupported_grant_type", "unsupported grant_type", false);
            }
        }
    }

    private MockResponse success(String clientId, @Nullable String refreshToken) {
        String at = "at-" + serial.incrementAndGet() + "-" + clientId;
        accessTokens.put(at, clientId);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", at);
        body.put("token_type", "Bearer");
        body.put("expires_in", expiresIn);
        if (refreshToken != null) {
            body.put("refresh_token", refreshToken);
        }
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json;charset=UTF-8")
                .addHeader("Cache-Control", "no-store").addHeader("Pragma", "no-cache")
                .body(JSON.writeValueAsString(body)).build();
    }

    private static MockResponse error(int status, String error, String description, boolean basic) {
        MockResponse.Builder b = new MockResponse.Builder().code(status).addHeader("Content-Type", "application/json;charset=UTF-8")
                .addHeader("Cache-Control", "no-store")
                .body(JSON.writeValueAsString(Map.of("error", error, "error_description", description)));
        if (basic) {
            b.addHeader("WWW-Authenticate", "Basic realm=\"fake\"");
        }
        return b.build();
    }

    private static Map<String, String> form(RecordedRequest r) {
        Map<String, String> m = new LinkedHashMap<>();
        okio.ByteString body = r.getBody();
        String s = body == null ? "" : body.utf8();
        for (String kv : s.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            m.put(decode(eq < 0 ? kv : kv.substring(0, eq)), eq < 0 ? "" : decode(kv.substring(eq + 1)));
        }
        return m;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
