package dev.keyway.server.source;

import dev.keyway.core.oauth.ClientAssertion;
import dev.keyway.core.oauth.ClientAuth;
import dev.keyway.core.oauth.GitHubApp;
import dev.keyway.core.oauth.GitHubNarrowing;
import dev.keyway.core.oauth.GoogleServiceAccount;
import dev.keyway.core.oauth.RsaKeys;
import dev.keyway.core.oauth.OAuthGrant;
import dev.keyway.core.oauth.TokenOutcome;
import dev.keyway.core.oauth.TokenRequest;
import dev.keyway.core.sign.Jwts;
import dev.keyway.core.sign.PrivateKeys;
import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.server.http.Json;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.OAuthRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;

/**
 * Mints one OAuth credential's access token: reads its settings and sealed secrets from the store,
 * POSTs the token request (RFC 6749 §6 or §4.4), and returns the access token with its lifetime for
 * {@link LinkedValues} to cache (single flight, refresh ahead, backoff are the cache's).
 *
 * <p><b>Rotation.</b> When the server returns a new refresh token, it is sealed and committed to the
 * store ({@link dev.keyway.store.Store#rotateOAuthSecrets}, a compare-and-set on the secrets
 * version, durable when it returns) <em>before</em> the access token is returned: a crash after the
 * exchange can lose the access token, never the newest refresh token. If that write fails, or the
 * credential was re-authorized meanwhile, the access token is discarded and the fetch fails closed.
 *
 * <p><b>Broken.</b> A breaking RFC 6749 §5.2 error ({@code invalid_grant} etc.) marks the
 * credential broken, unless the secrets moved meanwhile (another node rotated the refresh token, or
 * a human re-authorized): then the next fetch simply uses the newer secrets.
 *
 * <p>Runs only on fetch threads (blocking I/O). Never puts a token into a failure, a log or the audit.
 */
final class OAuthMinter implements SecretSource {
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final OAuthCredentials oauth;
    private final CredentialRecord credential;
    /** A run's narrowing of a GitHub App's installation token, or null for the installation's own. */
    private final @Nullable GitHubNarrowing narrowing;

    OAuthMinter(OAuthCredentials oauth, CredentialRecord credential, @Nullable GitHubNarrowing narrowing) {
        this.oauth = oauth;
        this.credential = credential;
        this.narrowing = narrowing;
    }

    @Override
    public void checkRef(String ref) {
        // the reference is the credential itself
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        OAuthRecord r = record();
        if (r.state() == OAuthRecord.State.BROKEN) {
            throw oauth.rememberBroken(credential, r);
        }
        Map<String, String> secrets = oauth.secrets(r);
        Map<String, Object> settings = Json.MAPPER.readValue(r.settingsJson(), OBJECT);
        OAuthGrant grant = OAuthGrant.of(r.grant()).orElseThrow(() -> new SourceFailure(SourceFailure.Kind.BAD_VALUE,
                "unknown grant " + r.grant()));
        if (grant == OAuthGrant.GITHUB_APP) {
            return githubApp(r, secrets, settings);
        }
        if (narrowing != null) {
            secrets.replaceAll((k, x) -> "");
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the credential is no longer a GitHub App (reconfigured as "
                    + r.grant() + "), so the run's GitHub narrowing cannot apply; nothing was forwarded");
        }
        if (grant == OAuthGrant.GOOGLE_SERVICE_ACCOUNT) {
            return googleServiceAccount(r, secrets, settings);
        }
        ClientAuth auth = ClientAuth.of(String.valueOf(settings.getOrDefault("auth_method", "basic"))).orElse(ClientAuth.BASIC);
        @SuppressWarnings("unchecked")
        List<String> scopes = settings.get("scopes") instanceof List<?> l ? (List<String>) l : List.of();
        Object aud = settings.get("audience");
        String refresh = secrets.get("refresh_token");
        String clientSecret = secrets.get("client_secret");
        if (auth == ClientAuth.PRIVATE_KEY_JWT) {
            clientSecret = clientAssertion(r, secrets.get("client_key"), settings);
        }
        TokenRequest tr = TokenRequest.of(grant, auth, r.clientId(), clientSecret, refresh, scopes,
                aud instanceof String s ? s : null);
        TokenOutcome outcome = post(URI.create(r.tokenUrl()), tr);
        return switch (outcome) {
            case TokenOutcome.Granted g -> granted(r, g, secrets, refresh);
            case TokenOutcome.Failed f -> throw redacted(f.failure(), refresh, clientSecret);
            case TokenOutcome.Rejected rj -> {
                OAuthRecord now = record();
                if (now.secretsVersion() != r.secretsVersion()) {
                    throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the token endpoint rejected a refresh token that "
                            + "has since been replaced (rotated or re-authorized); the next attempt uses the new one");
                }
                throw oauth.markBroken(credential, r, redact(rj.describe(), refresh, clientSecret));
            }
        };
    }

    /** A fresh private_key_jwt client assertion (RFC 7523 §2.2) for this token request. */
    private String clientAssertion(OAuthRecord r, @Nullable String pem, Map<String, Object> settings) throws SourceFailure {
        if (pem == null) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "the client key is missing");
        }
        try {
            Jwts.Algorithm alg = Jwts.Algorithm.fromWireName(String.valueOf(settings.getOrDefault("client_key_alg", "RS256")));
            byte[] jti = new byte[16];
            RANDOM.nextBytes(jti);
            return ClientAssertion.jwt(r.clientId(), r.tokenUrl(), PrivateKeys.parse(pem, alg), alg, oauth.clock().instant(),
                    java.util.HexFormat.of().formatHex(jti));
        } catch (IllegalArgumentException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "the client key cannot sign: " + e.getMessage());
        }
    }

    /**
     * A Google service account's access token: an RS256 JWT assertion signed with the sealed key
     * file (RFC 7523 §2.1, {@link GoogleServiceAccount}) exchanged at the key file's token URI. No
     * refresh token; {@code invalid_grant} (a deleted key, a revoked delegation) breaks the credential.
     */
    private Fetched googleServiceAccount(OAuthRecord r, Map<String, String> secrets, Map<String, Object> settings)
            throws SourceFailure {
        String json = secrets.get("key");
        secrets.replaceAll((k, x) -> "");
        if (json == null) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "the service account's key file is missing");
        }
        @SuppressWarnings("unchecked")
        List<String> scopes = settings.get("scopes") instanceof List<?> l ? (List<String>) l : List.of();
        String jwt;
        try {
            jwt = GoogleServiceAccount.parse(json).assertion(scopes, r.tokenUrl(),
                    settings.get("subject") instanceof String sub ? sub : null, oauth.clock().instant());
        } catch (IllegalArgumentException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "the service account's key file " + e.getMessage());
        }
        return minted(r, post(URI.create(r.tokenUrl()), new TokenRequest(GoogleServiceAccount.form(jwt), null)));
    }

    /**
     * The outcome of a token request that has no refresh token to rotate (a GitHub App's or a
     * Google service account's signed JWT): the token cached until shortly before it expires, a
     * retryable failure, or a rejection that breaks the credential unless it was reconfigured
     * during the request.
     */
    private Fetched minted(OAuthRecord r, TokenOutcome outcome) throws SourceFailure {
        return switch (outcome) {
            case TokenOutcome.Granted g -> new Fetched(g.accessToken().getBytes(StandardCharsets.US_ASCII), "s" + r.secretsVersion(),
                    TokenOutcome.cacheFor(g.expiresIn(), Duration.ofMinutes(50)));
            case TokenOutcome.Failed f -> throw f.failure();
            case TokenOutcome.Rejected rj -> {
                if (record().secretsVersion() != r.secretsVersion()) {
                    throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the credential was reconfigured during the request");
                }
                throw oauth.markBroken(credential, r, rj.describe());
            }
        };
    }

    /**
     * A GitHub App installation token: an RS256 app JWT exchanged at {@code POST
     * /app/installations/{id}/access_tokens}, with the run's narrowing as the JSON body when there
     * is one (and the answer checked against it, see {@link GitHubApp#parse}).
     */
    private Fetched githubApp(OAuthRecord r, Map<String, String> secrets, Map<String, Object> settings) throws SourceFailure {
        String pem = secrets.get("private_key");
        secrets.replaceAll((k, x) -> "");
        if (pem == null) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "the app's private key is missing");
        }
        String jwt;
        try {
            jwt = GitHubApp.jwt(String.valueOf(settings.get("app_id")), RsaKeys.parsePrivateKey(pem), oauth.clock().instant());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "the app's private key cannot sign: " + e.getMessage());
        }
        URI url = URI.create(r.tokenUrl());
        HttpRequest req = HttpRequest.newBuilder(url).timeout(OAuthCredentials.TIMEOUT)
                .header("Authorization", "Bearer " + jwt)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", GitHubApp.API_VERSION)
                .header("User-Agent", "keyway-oauth")
                .header("Content-Type", "application/json")
                .POST(narrowing == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(narrowing.body())).build();
        TokenOutcome outcome;
        try {
            HttpResponse<java.io.InputStream> resp = oauth.http().send(req, HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (java.io.InputStream in = resp.body()) {
                body = in.readNBytes(64 * 1024 + 1);
            }
            outcome = GitHubApp.parse(resp.statusCode(), body, resp.headers().firstValue("Retry-After").orElse(null),
                    resp.headers().firstValue("x-ratelimit-remaining").orElse(null), oauth.clock().instant(), narrowing);
        } catch (Exception e) {
            throw SourceHttp.transport(e, url.getHost(), url.getPort() > 0 ? url.getPort() : url.getScheme().equals("https") ? 443 : 80,
                    OAuthCredentials.TIMEOUT, "");
        }
        return minted(r, outcome);
    }

    private Fetched granted(OAuthRecord r, TokenOutcome.Granted g, Map<String, String> secrets, @Nullable String refresh)
            throws SourceFailure {
        String rotated = g.refreshToken();
        int version = r.secretsVersion();
        if (rotated != null && !rotated.equals(refresh)) {
            Map<String, String> next = new LinkedHashMap<>(secrets);
            next.put("refresh_token", rotated);
            boolean saved;
            try {
                saved = oauth.store().rotateOAuthSecrets(r.vaultId(), r.name(), version,
                        v -> oauth.seal(r.vaultId(), r.name(), v, next));
            } catch (RuntimeException e) {
                throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the rotated refresh token could not be saved ("
                        + e.getClass().getSimpleName() + "); the access token was discarded");
            } finally {
                next.replaceAll((k, x) -> "");
            }
            if (!saved) {
                throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the credential was re-authorized or rotated "
                        + "elsewhere during the refresh; the access token was discarded and the next attempt uses the new one");
            }
            version++;
        }
        secrets.replaceAll((k, x) -> "");
        Duration ttl = TokenOutcome.cacheFor(g.expiresIn(), Duration.ofSeconds(
                credential.link() == null ? 300 : credential.link().ttlSeconds()));
        return new Fetched(g.accessToken().getBytes(StandardCharsets.US_ASCII), "s" + version, ttl);
    }

    private OAuthRecord record() throws SourceFailure {
        try {
            return oauth.store().oauthCredential(credential.vaultId(), credential.name())
                    .orElseThrow(() -> new SourceFailure(SourceFailure.Kind.NOT_FOUND, "the OAuth settings are gone"));
        } catch (RuntimeException e) {
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the store is unavailable (" + e.getClass().getSimpleName() + ")");
        }
    }

    private TokenOutcome post(URI url, TokenRequest tr) throws SourceFailure {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(OAuthCredentials.TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("User-Agent", "keyway-oauth")
                .POST(HttpRequest.BodyPublishers.ofString(tr.form(), StandardCharsets.UTF_8));
        String authz = tr.authorization();
        if (authz != null) {
            b.header("Authorization", authz);
        }
        String host = url.getHost();
        int port = url.getPort() > 0 ? url.getPort() : url.getScheme().equals("https") ? 443 : 80;
        try {
            HttpResponse<java.io.InputStream> resp = oauth.http().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (java.io.InputStream in = resp.body()) {
                body = in.readNBytes(64 * 1024 + 1);
            }
            return TokenOutcome.parse(resp.statusCode(), body, resp.headers().firstValue("Retry-After").orElse(null));
        } catch (Exception e) {
            throw SourceHttp.transport(e, host, port, OAuthCredentials.TIMEOUT, "");
        }
    }

    private static SourceFailure redacted(SourceFailure f, @Nullable String refresh, @Nullable String clientSecret) {
        String m = f.getMessage() == null ? "" : f.getMessage();
        String r = redact(m, refresh, clientSecret);
        return r.equals(m) ? f : new SourceFailure(f.kind(), r, f.retryAfter());
    }

    /** The server's text with any of our secrets removed (a server may echo what it was sent). */
    static String redact(String text, @Nullable String refresh, @Nullable String clientSecret) {
        String t = text;
        for (String s : new String[] {refresh, clientSecret}) {
            if (s != null && s.length() >= 4) {
                t = t.replace(s, "[REDACTED]");
            }
        }
        return t;
    }
}
