package dev.keyway.server.source;

import dev.keyway.core.crypto.Aad;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.oauth.ClientAuth;
import dev.keyway.core.oauth.OAuthGrant;
import dev.keyway.core.service.Names;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.server.VaultService;
import dev.keyway.server.http.Json;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.OAuthRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;

/**
 * OAuth-minted credentials (issue 12): a credential whose value is its current access token. It is
 * a linked credential whose source is the reserved {@link OAuthRecord#SOURCE}, so the proxy, the
 * cache ({@link LinkedValues}: single flight, refresh ahead, backoff, fail closed) and every
 * injection treat it exactly like a credential linked to a secret store; this class supplies the
 * per-credential {@link SecretSource} ({@link OAuthMinter}) that mints tokens, the validation and
 * sealing of its settings and secrets, and its broken state.
 *
 * <p>Broken ({@code invalid_grant}, {@code invalid_client}, {@code unauthorized_client}) is
 * persisted in the store and mirrored here in memory, keyed by the credential's version, so the
 * proxy answers 502 at once without asking the token endpoint again, and a re-authorization (which
 * bumps the version, also on other cluster nodes through their snapshots) clears it.
 */
public final class OAuthCredentials {
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {};
    private static final Pattern SCOPE = Pattern.compile("^[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,256}$"); // RFC 6749 §3.3 scope-token
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    public static final int MAX_SECRET_CHARS = 16 * 1024;

    /** What the API accepts; the secrets are write-only. */
    public record Request(OAuthGrant grant, URI tokenUrl, String clientId, @Nullable String clientSecret,
            @Nullable String refreshToken, List<String> scopes, @Nullable String audience, ClientAuth auth,
            @Nullable String clientKey, @Nullable String clientKeyAlg) {
        /** Without a client key ({@code basic} or {@code post} client authentication). */
        public Request(OAuthGrant grant, URI tokenUrl, String clientId, @Nullable String clientSecret,
                @Nullable String refreshToken, List<String> scopes, @Nullable String audience, ClientAuth auth) {
            this(grant, tokenUrl, clientId, clientSecret, refreshToken, scopes, audience, auth, null, null);
        }

        @Override
        public String toString() {
            return "Request[grant=" + grant + ", tokenUrl=" + tokenUrl + ", clientId=" + clientId + "]";
        }
    }

    /** What the API accepts for {@code --grant github-app}; the private key is write-only. */
    public record GitHubAppRequest(String appId, String installationId, String privateKeyPem, URI apiUrl) {
        @Override
        public String toString() {
            return "GitHubAppRequest[appId=" + appId + ", installationId=" + installationId + ", apiUrl=" + apiUrl + "]";
        }
    }

    /** What the API accepts for {@code --grant google-service-account}; the key file is write-only. */
    public record GoogleServiceAccountRequest(String keyJson, List<String> scopes, @Nullable String subject) {
        @Override
        public String toString() {
            return "GoogleServiceAccountRequest[scopes=" + scopes + ", subject=" + subject + "]";
        }
    }

    public static final URI GITHUB_API = URI.create("https://api.github.com");
    private static final Pattern NUMBER = Pattern.compile("^[0-9]{1,20}$");

    /** Told when a credential becomes broken (audit, log, webhooks); never given a secret. */
    public record Broken(String vault, String credential, String grant, String tokenUrl, String detail) {}

    private record BrokenAt(int version, SourceFailure failure) {}

    private final Store store;
    private final VaultService vaults;
    private final Clock clock;
    private final HttpClient http;
    private final Consumer<Broken> onBroken;
    private final ConcurrentHashMap<String, BrokenAt> broken = new ConcurrentHashMap<>();
    private volatile @Nullable LinkedValues values;

    public OAuthCredentials(Store store, VaultService vaults, Clock clock, Consumer<Broken> onBroken) {
        this.store = store;
        this.vaults = vaults;
        this.clock = clock;
        this.onBroken = onBroken;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
                .proxy(java.net.ProxySelector.of(null)).build();
    }

    /** The cache whose entry is dropped when a credential is re-authorized (set once at wiring). */
    public void attach(LinkedValues v) {
        this.values = v;
    }

    /** Loads the broken credentials (at start), so a restart does not ask the token endpoint again. */
    public void loadBroken() {
        for (OAuthRecord r : store.listOAuthCredentials()) {
            if (r.state() == OAuthRecord.State.BROKEN) {
                store.credential(r.vaultId(), r.name()).ifPresent(c -> broken.put(id(r.vaultId(), r.name()),
                        new BrokenAt(c.version(), brokenFailure(vaultName(r.vaultId()), r, r.stateDetail()))));
            }
        }
    }

    /** True for a credential minted by OAuth. */
    public static boolean isOAuth(CredentialRecord c) {
        CredentialRecord.Link l = c.link();
        return l != null && OAuthRecord.SOURCE.equals(l.source());
    }

    /** The cache key of this version of the credential: a re-authorized credential never sees the old token. */
    static LinkedValues.Key key(CredentialRecord c) {
        return new LinkedValues.Key(OAuthRecord.SOURCE, id(c.vaultId(), c.name()) + "@" + c.version());
    }

    /** The failure to answer with at once when this version of the credential is broken. */
    public Optional<SourceFailure> broken(CredentialRecord c) {
        BrokenAt b = broken.get(id(c.vaultId(), c.name()));
        return b != null && b.version() == c.version() ? Optional.of(b.failure()) : Optional.empty();
    }

    /** The minter of one credential; cheap, made per cache miss. */
    SecretSource minter(CredentialRecord c) {
        return new OAuthMinter(this, c, null);
    }

    /** The cache key of this version of a GitHub App credential narrowed for a run: each narrowing has its own token. */
    static LinkedValues.Key key(CredentialRecord c, dev.keyway.core.oauth.GitHubNarrowing n) {
        return new LinkedValues.Key(OAuthRecord.SOURCE, id(c.vaultId(), c.name()) + "@" + c.version() + "#" + n.hash());
    }

    /** The cache keys of one version of a credential: its token and the tokens narrowed for runs ({@link #key(CredentialRecord, dev.keyway.core.oauth.GitHubNarrowing)}). */
    static java.util.function.Predicate<LinkedValues.Key> ofVersion(String vaultId, String name, int version) {
        String ref = id(vaultId, name) + "@" + version;
        return k -> k.source().equals(OAuthRecord.SOURCE) && (k.ref().equals(ref) || k.ref().startsWith(ref + "#"));
    }

    /** The minter of a GitHub App credential's installation tokens narrowed for a run. */
    SecretSource minter(CredentialRecord c, dev.keyway.core.oauth.GitHubNarrowing n) {
        return new OAuthMinter(this, c, n);
    }

    /** True for an OAuth record of a GitHub App (the grant whose tokens a run may narrow). */
    public static boolean isGitHubApp(OAuthRecord r) {
        return OAuthGrant.GITHUB_APP.wire.equals(r.grant());
    }

    /** Creates or re-authorizes an OAuth credential; the client secret and refresh token are sealed and never returned. */
    public CredentialRecord put(VaultRecord v, String name, @Nullable String description, Request r, String actor) {
        Names.credential(name);
        validate(r);
        if (description != null && description.length() > 500) {
            throw KeywayException.validation("description", "description is longer than 500 characters");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("scopes", r.scopes());
        settings.put("audience", r.audience());
        settings.put("auth_method", r.auth().wire);
        Map<String, String> secrets = new LinkedHashMap<>();
        if (r.auth() == ClientAuth.PRIVATE_KEY_JWT) {
            settings.put("client_key_alg", clientKeyAlgorithm(r).jose());
            secrets.put("client_key", java.util.Objects.requireNonNull(r.clientKey()));
        }
        if (r.clientSecret() != null) {
            secrets.put("client_secret", r.clientSecret());
        }
        if (r.refreshToken() != null) {
            secrets.put("refresh_token", r.refreshToken());
        }
        return store(v, name, description, r.grant(), r.tokenUrl(), r.clientId(), settings, secrets, actor);
    }

    /**
     * Creates or reconfigures a GitHub App credential: its value is an installation access token
     * minted with an RS256 app JWT (see {@link dev.keyway.core.oauth.GitHubApp}).
     */
    public CredentialRecord putGitHubApp(VaultRecord v, String name, @Nullable String description, GitHubAppRequest r,
            String actor) {
        Names.credential(name);
        if (!NUMBER.matcher(r.appId()).matches()) {
            throw KeywayException.validation("app_id", "the app id is a number (the GitHub App's settings page shows it)");
        }
        if (!NUMBER.matcher(r.installationId()).matches()) {
            throw KeywayException.validation("installation_id", "the installation id is a number (…/settings/installations/N)");
        }
        checkUrl("api_url", r.apiUrl());
        try {
            dev.keyway.core.oauth.RsaKeys.parsePrivateKey(r.privateKeyPem());
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("private_key", "the private key: " + e.getMessage());
        }
        if (description != null && description.length() > 500) {
            throw KeywayException.validation("description", "description is longer than 500 characters");
        }
        String api = r.apiUrl().toString().replaceAll("/+$", "");
        URI tokenUrl = URI.create(api + "/app/installations/" + r.installationId() + "/access_tokens");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("app_id", r.appId());
        settings.put("installation_id", r.installationId());
        settings.put("api_url", api);
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("private_key", r.privateKeyPem());
        return store(v, name, description, OAuthGrant.GITHUB_APP, tokenUrl, r.appId(), settings, secrets, actor);
    }

    /**
     * Creates or reconfigures a Google service-account credential: its value is an access token
     * minted with an RS256 JWT assertion (RFC 7523, see {@link dev.keyway.core.oauth.GoogleServiceAccount})
     * at the key file's {@code token_uri}.
     */
    public CredentialRecord putGoogleServiceAccount(VaultRecord v, String name, @Nullable String description,
            GoogleServiceAccountRequest r, String actor) {
        Names.credential(name);
        dev.keyway.core.oauth.GoogleServiceAccount key;
        try {
            key = dev.keyway.core.oauth.GoogleServiceAccount.parse(r.keyJson());
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("key", "the key file " + e.getMessage());
        }
        checkUrl("token_uri", key.tokenUri());
        if (r.scopes().isEmpty()) {
            throw KeywayException.validation("scopes", "google-service-account needs at least one --scope, e.g. "
                    + "https://www.googleapis.com/auth/cloud-platform");
        }
        checkScopes(r.scopes());
        String sub = r.subject();
        if (sub != null && (sub.isEmpty() || sub.length() > 320 || sub.chars().anyMatch(ch -> ch <= 0x20 || ch == 0x7f))) {
            throw KeywayException.validation("subject", "the subject is the email address of the user to impersonate");
        }
        if (description != null && description.length() > 500) {
            throw KeywayException.validation("description", "description is longer than 500 characters");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("scopes", r.scopes());
        settings.put("subject", sub);
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("key", r.keyJson());
        return store(v, name, description, dev.keyway.core.oauth.OAuthGrant.GOOGLE_SERVICE_ACCOUNT, key.tokenUri(),
                key.clientEmail(), settings, secrets, actor);
    }

    private CredentialRecord store(VaultRecord v, String name, @Nullable String description, OAuthGrant grant, URI tokenUrl,
            String clientId, Map<String, Object> settings, Map<String, String> secrets, String actor) {
        CredentialRecord c = store.putOAuthCredential(v.id(), name, description, actor,
                new OAuthRecord.Settings(grant.wire, tokenUrl.toString(), clientId,
                        new String(Json.write(settings), java.nio.charset.StandardCharsets.UTF_8)),
                version -> seal(v.id(), name, version, secrets));
        secrets.replaceAll((k, x) -> "");
        broken.remove(id(v.id(), name));
        LinkedValues lv = values;
        if (lv != null && c.version() > 1) {
            lv.invalidateIf(ofVersion(v.id(), name, c.version() - 1)); // the wide token and every run's narrowed one
        }
        vaults.changed();
        return c;
    }

    private static void checkUrl(String field, URI u) {
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        String host = u.getHost();
        if (host == null || !(scheme.equals("https") || scheme.equals("http") && loopback(host)) || u.getUserInfo() != null
                || u.getFragment() != null || u.getRawQuery() != null && field.equals("api_url")) {
            throw KeywayException.validation(field, "the URL must be https://HOST/PATH (http only to a loopback "
                    + "address), without user info or fragment (RFC 6749 §3.2)");
        }
    }

    private static void validate(Request r) {
        if (r.grant() == OAuthGrant.GITHUB_APP) {
            throw KeywayException.validation("grant", "github-app takes --app-id, --installation-id and --private-key-file");
        }
        if (r.grant() == OAuthGrant.GOOGLE_SERVICE_ACCOUNT) {
            throw KeywayException.validation("grant", "google-service-account takes --key-file and --scope");
        }
        checkUrl("token_url", r.tokenUrl());
        if (r.clientId().isEmpty() || r.clientId().length() > 512 || r.clientId().chars().anyMatch(Character::isISOControl)) {
            throw KeywayException.validation("client_id", "the client id must be 1-512 characters without control characters");
        }
        for (String s : Arrays.asList(r.clientSecret(), r.refreshToken())) {
            if (s != null && (s.isEmpty() || s.length() > MAX_SECRET_CHARS || s.chars().anyMatch(Character::isISOControl))) {
                throw KeywayException.validation(s == r.clientSecret() ? "client_secret" : "refresh_token",
                        "secrets must be 1-" + MAX_SECRET_CHARS + " characters without control characters");
            }
        }
        if (r.grant() == OAuthGrant.REFRESH_TOKEN && r.refreshToken() == null) {
            throw KeywayException.validation("refresh_token", "the refresh_token grant needs a refresh token "
                    + "(--refresh-token-file F)");
        }
        if (r.grant() == OAuthGrant.CLIENT_CREDENTIALS) {
            if (r.refreshToken() != null) {
                throw KeywayException.validation("refresh_token", "the client_credentials grant takes no refresh token");
            }
            if (r.clientSecret() == null && r.auth() != ClientAuth.PRIVATE_KEY_JWT) {
                throw KeywayException.validation("client_secret", "the client_credentials grant needs a client secret "
                        + "(--client-secret-file F) or a client key (--auth-method private_key_jwt --client-key-file F)");
            }
        }
        if (r.grant() == OAuthGrant.REFRESH_TOKEN && r.audience() != null) {
            throw KeywayException.validation("audience", "--audience applies to the client_credentials grant only");
        }
        if (r.auth() == ClientAuth.PRIVATE_KEY_JWT) {
            if (r.clientSecret() != null) {
                throw KeywayException.validation("client_secret", "private_key_jwt authenticates with the client key; "
                        + "drop --client-secret-file");
            }
            clientKeyAlgorithm(r);
        } else if (r.clientKey() != null) {
            throw KeywayException.validation("client_key", "a client key needs --auth-method private_key_jwt");
        }
        checkScopes(r.scopes());
        String aud = r.audience();
        if (aud != null && (aud.isEmpty() || aud.length() > 512 || aud.chars().anyMatch(Character::isISOControl))) {
            throw KeywayException.validation("audience", "the audience must be 1-512 characters without control characters");
        }
    }

    /** The algorithm of a private_key_jwt client key (RS256 default, or ES256), checked against the key itself. */
    private static dev.keyway.core.sign.Jwts.Algorithm clientKeyAlgorithm(Request r) {
        String key = r.clientKey();
        if (key == null) {
            throw KeywayException.validation("client_key", "private_key_jwt needs the client's private key (--client-key-file F)");
        }
        String alg = r.clientKeyAlg() == null ? "RS256" : r.clientKeyAlg();
        if (!alg.equals("RS256") && !alg.equals("ES256")) {
            throw KeywayException.validation("client_key_alg", "client_key_alg must be RS256 or ES256");
        }
        dev.keyway.core.sign.Jwts.Algorithm a = dev.keyway.core.sign.Jwts.Algorithm.fromWireName(alg);
        if (key.length() > MAX_SECRET_CHARS) {
            throw KeywayException.validation("client_key", "the client key is longer than " + MAX_SECRET_CHARS + " characters");
        }
        try {
            dev.keyway.core.sign.PrivateKeys.parse(key, a);
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("client_key", "the client key (" + alg + "): " + e.getMessage());
        }
        return a;
    }

    private static void checkScopes(List<String> scopes) {
        if (scopes.size() > 64) {
            throw KeywayException.validation("scopes", "at most 64 scopes");
        }
        for (String s : scopes) {
            if (!SCOPE.matcher(s).matches()) {
                throw KeywayException.validation("scopes", "scope '" + Names.printable(s) + "' is not an RFC 6749 §3.3 "
                        + "scope token (printable ASCII without space, '\"' or '\\\\')");
            }
        }
    }

    private static boolean loopback(String host) {
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || host.startsWith("127.");
    }

    /** The API's view: settings, which secrets are held (never their values), and the state. */
    public Map<String, Object> view(String vaultId, String name) {
        OAuthRecord r = store.oauthCredential(vaultId, name).orElseThrow(() -> KeywayException.notFound(
                "credential '" + Names.printable(name) + "' is not an OAuth credential"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("grant", r.grant());
        m.put("token_url", r.tokenUrl());
        m.put("client_id", r.clientId());
        m.putAll(Json.MAPPER.readValue(r.settingsJson(), new TypeReference<Map<String, Object>>() {}));
        Map<String, String> s = secrets(r);
        m.put("secrets", List.copyOf(new java.util.TreeSet<>(s.keySet())));
        s.replaceAll((k, x) -> "");
        m.put("state", r.state().wire());
        m.put("state_detail", r.stateDetail());
        m.put("state_at", r.stateAt().toString());
        return m;
    }

    /** The state of every OAuth credential of a vault, by name (for {@code credential list}). */
    public Map<String, OAuthRecord> states(String vaultId) {
        Map<String, OAuthRecord> m = new LinkedHashMap<>();
        for (OAuthRecord r : store.listOAuthCredentials()) {
            if (r.vaultId().equals(vaultId)) {
                m.put(r.name(), r);
            }
        }
        return m;
    }

    // ---- used by OAuthMinter, on fetch threads ----

    Store store() {
        return store;
    }

    HttpClient http() {
        return http;
    }

    Clock clock() {
        return clock;
    }

    Map<String, String> secrets(OAuthRecord r) {
        VaultRecord v = store.vaultById(r.vaultId()).orElseThrow(() -> KeywayException.notFound("vault gone"));
        byte[] plain = vaults.openForVault(v, r.secrets(), Aad.oauthSecrets(r.vaultId(), r.name(), r.secretsVersion()));
        try {
            return Json.MAPPER.readValue(plain, STRINGS);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    byte[] seal(String vaultId, String name, int version, Map<String, String> secrets) {
        VaultRecord v = store.vaultById(vaultId).orElseThrow(() -> KeywayException.notFound("vault gone"));
        byte[] plain = Json.write(secrets);
        try {
            return vaults.sealForVault(v, plain, Aad.oauthSecrets(vaultId, name, version));
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    String vaultName(String vaultId) {
        return store.vaultById(vaultId).map(VaultRecord::name).orElse(vaultId);
    }

    /**
     * Marks the credential broken (persisted unless it was re-authorized meanwhile), remembers it
     * for this version and tells {@code onBroken}; returns the failure requests get.
     */
    SourceFailure markBroken(CredentialRecord c, OAuthRecord r, String detail) {
        boolean stored = store.setOAuthState(r.vaultId(), r.name(), r.secretsVersion(), OAuthRecord.State.BROKEN, detail);
        String vault = vaultName(r.vaultId());
        SourceFailure f = brokenFailure(vault, r, detail);
        if (stored) {
            broken.put(id(c.vaultId(), c.name()), new BrokenAt(c.version(), f));
            try {
                onBroken.accept(new Broken(vault, r.name(), r.grant(), r.tokenUrl(), detail));
            } catch (RuntimeException e) {
                // notifications are best effort; the state is persisted
            }
        }
        return f;
    }

    /** A broken credential seen in the store (marked by another node or before a restart). */
    SourceFailure rememberBroken(CredentialRecord c, OAuthRecord r) {
        SourceFailure f = brokenFailure(vaultName(r.vaultId()), r, r.stateDetail());
        broken.put(id(c.vaultId(), c.name()), new BrokenAt(c.version(), f));
        return f;
    }

    static SourceFailure brokenFailure(String vault, OAuthRecord r, @Nullable String detail) {
        String how = r.grant().equals(OAuthGrant.GOOGLE_SERVICE_ACCOUNT.wire)
                ? "keyway credential oauth " + r.name() + " --vault " + vault + " --grant google-service-account --key-file F"
                        + " --scope S (a new key of " + r.clientId() + ", or grant it the scope)"
                : r.grant().equals(OAuthGrant.GITHUB_APP.wire)
                ? "keyway credential oauth " + r.name() + " --vault " + vault + " --grant github-app --app-id " + r.clientId()
                        + " --installation-id " + installationId(r) + " --private-key-file F"
                : r.grant().equals(OAuthGrant.REFRESH_TOKEN.wire)
                ? "keyway credential oauth " + r.name() + " --vault " + vault + " --grant refresh_token --token-url "
                        + r.tokenUrl() + " --client-id " + r.clientId() + " --refresh-token-file F"
                : "keyway credential oauth " + r.name() + " --vault " + vault + " --grant " + r.grant() + " --token-url "
                        + r.tokenUrl() + " --client-id " + r.clientId()
                        + ("private_key_jwt".equals(setting(r, "auth_method"))
                                ? " --auth-method private_key_jwt --client-key-file F" : " --client-secret-file F");
        return new SourceFailure(SourceFailure.Kind.AUTH, "the authorization server rejected the credential ("
                + (detail == null ? "broken" : detail) + "); it is marked broken until it is re-authorized: " + how);
    }

    private static String installationId(OAuthRecord r) {
        String id = setting(r, "installation_id");
        return id.isEmpty() ? "N" : id;
    }

    /** One non-secret setting of the credential as text, empty when absent or unreadable. */
    private static String setting(OAuthRecord r, String field) {
        try {
            return Json.MAPPER.readTree(r.settingsJson()).path(field).asString("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static String id(String vaultId, String name) {
        return vaultId + "/" + name;
    }
}
