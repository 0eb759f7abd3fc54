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
 *   <li>§4.1 with PKCE (RFC 7636): {@code GET /authorize} plays the user's consent. It checks
 *       {@code response_type=code}, a registered {@code client_id}, a {@code state} of at least
 *       16 characters (§10.12), a loopback
 *       {@code redirect_uri} {@code http://127.0.0.1:PORT/callback} (RFC 8252 §7.3: any port),
 *       {@code code_challenge} with {@code code_challenge_method=S256} (§4.4.1: otherwise
 *       {@code invalid_request}), and answers 302 to the redirect URI with a one-time
 *       {@code code} and the {@code state} unchanged (§4.1.2), or {@code error=access_denied}
 *       when {@link #consent} says so (§4.1.2.1). An unknown client or a bad redirect URI is a 400
 *       page, never a redirect (§4.1.2.1). {@code grant_type=authorization_code} redeems a code
 *       once, for the client it was issued to, with the same {@code redirect_uri}, and only with
 *       the {@code code_verifier} whose S256 is the challenge (RFC 7636 §4.6); anything else is
 *       {@code invalid_grant}. It issues a refresh token unless {@link #refreshOnCode} is off.</li>
 *   <li>RFC 6750 §2.1/§3.1: {@code GET /api/**} on the same server is a protected resource taking
 *       {@code Authorization: Bearer <access token>}; an unknown token is 401 {@code invalid_token}.</li>
 * </ul>
 * Every request is recorded before it is answered.
 */
public final class FakeOAuthServer implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** A registered client: its secret (null for a public client) and the one auth method it accepts. */
    public record Client(@Nullable String secret, String method, java.security.@Nullable PublicKey key) {
        public Client(@Nullable String secret, String method) {
            this(secret, method, null);
        }

        /** A client authenticating with {@code private_key_jwt}, holding only its public key. */
        public static Client privateKeyJwt(java.security.PublicKey key) {
            return new Client(null, "private_key_jwt", key);
        }
    }

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
    /** What the user "answers" at {@code /authorize}. */
    public enum Consent { APPROVE, DENY, WRONG_STATE }

    /** An issued authorization code: whom it was for, where it was sent, the PKCE challenge, the scopes. */
    public record IssuedCode(String clientId, String redirectUri, String challenge, Set<String> scopes) {}

    public volatile Consent consent = Consent.APPROVE;
    /** Whether redeeming a code issues a refresh token (some providers need extra parameters for one). */
    public volatile boolean refreshOnCode = true;
    /** Every {@code /authorize} query, recorded before answering. */
    public final List<String> authorizeCalls = new CopyOnWriteArrayList<>();
    public final Map<String, IssuedCode> codes = new ConcurrentHashMap<>();
    public volatile boolean rotate = true;
    /** The server's clock (for client assertions' exp); tests that move Keyway's clock set theirs. */
    public volatile java.time.Clock clock = java.time.Clock.systemUTC();
    private final Set<String> seenJti = ConcurrentHashMap.newKeySet();
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
                if (path.equals("/authorize")) {
                    return authorize(r);
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

    public String authorizeUrl() {
        return "http://127.0.0.1:" + server.getPort() + "/authorize";
    }

    private MockResponse authorize(RecordedRequest r) {
        String query = r.getUrl().encodedQuery() == null ? "" : r.getUrl().encodedQuery();
        authorizeCalls.add(query);
        Map<String, String> q = new LinkedHashMap<>();
        for (String name : r.getUrl().queryParameterNames()) {
            q.put(name, r.getUrl().queryParameter(name));
        }
        String clientId = q.get("client_id");
        String redirect = q.getOrDefault("redirect_uri", "");
        if (clientId == null || !clients.containsKey(clientId)) {
            return new MockResponse.Builder().code(400).body("unknown client_id").build();
        }
        if (!redirect.matches("http://127\\.0\\.0\\.1:[0-9]{1,5}/callback")) {
            return new MockResponse.Builder().code(400).body("redirect_uri is not a registered loopback redirect").build();
        }
        String state = q.get("state");
        if (state == null || state.length() < 16) {
            // a client without an unguessable state has no CSRF protection (RFC 6749 §10.12); this server insists
            return redirect(redirect, "error=invalid_request&error_description=state+required", state);
        }
        if (!"code".equals(q.get("response_type"))) {
            return redirect(redirect, "error=unsupported_response_type", state);
        }
        String challenge = q.get("code_challenge");
        if (challenge == null || !"S256".equals(q.get("code_challenge_method")) || !challenge.matches("[A-Za-z0-9_-]{43}")) {
            return redirect(redirect, "error=invalid_request&error_description=PKCE+S256+required", state);
        }
        return switch (consent) {
            case DENY -> redirect(redirect, "error=access_denied&error_description=The+user+denied+the+request", state);
            case WRONG_STATE -> redirect(redirect, "code=forged-code", "not-" + state);
            case APPROVE -> {
                String code = "code-" + serial.incrementAndGet();
                Set<String> scopes = q.containsKey("scope") ? Set.of(q.get("scope").split(" ")) : Set.of();
                codes.put(code, new IssuedCode(clientId, redirect, challenge, scopes));
                yield redirect(redirect, "code=" + code, state);
            }
        };
    }

    private static MockResponse redirect(String redirectUri, String params, @Nullable String state) {
        String location = redirectUri + "?" + params + (state == null ? "" : "&state=" + java.net.URLEncoder.encode(state,
                StandardCharsets.UTF_8));
        return new MockResponse.Builder().code(302).addHeader("Location", location).build();
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<TokenCall> calls(String grant) {
        return tokenCalls.stream().filter(c -> c.grant().equals(grant)).toList();
    }

    private synchronized MockResponse token(RecordedRequest r) {
        Map<String, String> form = form(r);
        String authz = r.getHeaders().get("Authorization");
        boolean basic = authz != null && authz.startsWith("Basic ");
        boolean post = form.containsKey("client_secret");
        boolean jwt = form.containsKey("client_assertion") || form.containsKey("client_assertion_type");
        tokenCalls.add(new TokenCall(form.getOrDefault("grant_type", ""), basic ? "basic" : post ? "post" : jwt ? "private_key_jwt"
                : "none", form));
        MockResponse f = forced.poll();
        if (f != null) {
            return f;
        }
        if (!r.getMethod().equals("POST") || !String.valueOf(r.getHeaders().get("Content-Type"))
                .startsWith("application/x-www-form-urlencoded")) {
            return error(400, "invalid_request", "the token endpoint takes POST with a form body", false);
        }
        if ((basic ? 1 : 0) + (post ? 1 : 0) + (jwt ? 1 : 0) > 1) {
            return error(400, "invalid_request", "more than one client authentication method", false);
        }
        String clientId;
        String secret;
        if (jwt) {
            String why = assertionRefused(form);
            if (why != null) {
                return error(401, "invalid_client", why, false);
            }
            String grant = form.getOrDefault("grant_type", "");
            Client c = clients.get(form.get("client_id"));
            if (grant.equals("client_credentials")) {
                return success(form.get("client_id"), null);
            }
            if (grant.equals("refresh_token")) {
                Map.Entry<String, Set<String>> rt = refreshTokens.get(form.getOrDefault("refresh_token", ""));
                if (rt == null || !rt.getKey().equals(form.get("client_id")) || c == null) {
                    return error(400, "invalid_grant", "the refresh token is invalid, expired or revoked", false);
                }
                String newRt = null;
                if (rotate) {
                    refreshTokens.remove(form.get("refresh_token"));
                    newRt = issueRefreshToken(form.get("client_id"), rt.getValue());
                }
                return success(form.get("client_id"), newRt);
            }
            return error(400, "unsupported_grant_type", "unsupported grant_type", false);
        }
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
            case "authorization_code" -> {
                // a failed attempt does not consume the code: an intercepted code is useless without the verifier,
                // and the legitimate client can still redeem it
                IssuedCode ic = codes.get(form.getOrDefault("code", ""));
                String verifier = form.getOrDefault("code_verifier", "");
                if (ic == null || !ic.clientId().equals(clientId) || !ic.redirectUri().equals(form.get("redirect_uri"))) {
                    return error(400, "invalid_grant", "the authorization code is invalid, used, or for another client or redirect", false);
                }
                if (!verifier.matches("[A-Za-z0-9._~-]{43,128}") || !s256(verifier).equals(ic.challenge())) {
                    return error(400, "invalid_grant", "code_verifier does not match the code_challenge (RFC 7636 §4.6)", false);
                }
                codes.remove(form.get("code"));
                return success(clientId, refreshOnCode ? issueRefreshToken(clientId, ic.scopes()) : null);
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

    /**
     * RFC 7523 §2.2/§3 and OIDC Core §9 ({@code private_key_jwt}): why the client assertion is
     * refused, or null. The type is the JWT bearer URN; the JWT is RS256 or ES256 and verifies with
     * the registered client's public key; {@code iss} and {@code sub} are the client id (and
     * {@code client_id}, when sent, the same); {@code aud} is this token endpoint; {@code exp} is in
     * the future and at most 5 minutes after {@code iat}; a {@code jti} is accepted once.
     */
    private @Nullable String assertionRefused(Map<String, String> form) {
        if (!"urn:ietf:params:oauth:client-assertion-type:jwt-bearer".equals(form.get("client_assertion_type"))) {
            return "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
        }
        String[] parts = form.getOrDefault("client_assertion", "").split("\\.");
        if (parts.length != 3) {
            return "client_assertion is not a JWS";
        }
        Map<?, ?> header;
        Map<?, ?> claims;
        try {
            header = JSON.readValue(Base64.getUrlDecoder().decode(parts[0]), Map.class);
            claims = JSON.readValue(Base64.getUrlDecoder().decode(parts[1]), Map.class);
        } catch (RuntimeException e) {
            return "client_assertion is not a JWT";
        }
        String iss = String.valueOf(claims.get("iss"));
        Client c = clients.get(iss);
        if (c == null || c.key() == null || !"private_key_jwt".equals(c.method())) {
            return "unknown client or not registered for private_key_jwt";
        }
        if (!iss.equals(claims.get("sub")) || form.containsKey("client_id") && !iss.equals(form.get("client_id"))) {
            return "iss, sub and client_id must be the client id";
        }
        if (!tokenUrl().equals(claims.get("aud"))) {
            return "aud must be the token endpoint";
        }
        long now = clock.instant().getEpochSecond();
        if (!(claims.get("exp") instanceof Number exp) || !(claims.get("iat") instanceof Number iat) || exp.longValue() <= now
                || exp.longValue() - iat.longValue() > 300) {
            return "exp must be in the future and at most 5 minutes after iat";
        }
        if (!(claims.get("jti") instanceof String jti) || !seenJti.add(jti)) {
            return "jti missing or replayed";
        }
        String alg = String.valueOf(header.get("alg"));
        String jca = switch (alg) {
            case "RS256" -> "SHA256withRSA";
            case "ES256" -> "SHA256withECDSAinP1363Format";
            default -> null;
        };
        if (jca == null) {
            return "alg must be RS256 or ES256";
        }
        try {
            java.security.Signature sig = java.security.Signature.getInstance(jca);
            sig.initVerify(c.key());
            sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return sig.verify(Base64.getUrlDecoder().decode(parts[2])) ? null : "the signature does not verify";
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            return "the signature does not verify with the registered key";
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
