package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.crypto.MasterKey;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.oauth.ClientAuth;
import dev.keyway.core.oauth.OAuthGrant;
import dev.keyway.core.testing.MutableClock;
import dev.keyway.server.VaultService;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.OAuthRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import dev.keyway.store.sqlite.SqliteStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OAuth-minted credentials against {@link FakeOAuthServer} (RFC 6749), through the same
 * {@link LinkedCredentials} lookup the proxy uses, with a real SQLite store, a moved clock and a
 * hand-run fetch executor: nothing sleeps, and a fetch runs only when the test runs it.
 */
class OAuthCredentialsTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock();
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    final List<OAuthCredentials.Broken> brokenEvents = new CopyOnWriteArrayList<>();
    final AtomicBoolean failRotation = new AtomicBoolean();
    SqliteStore sqlite;
    Store store;
    VaultService vaults;
    VaultRecord vault;
    OAuthCredentials oauth;
    LinkedCredentials linked;
    FakeOAuthServer as;

    @BeforeEach
    void setUp() throws Exception {
        sqlite = SqliteStore.open(dir.resolve("k.db"), clock);
        // the real store, except that rotateOAuthSecrets can be made to fail (the write a crash would interrupt)
        store = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class}, (p, m, args) -> {
            if (m.getName().equals("rotateOAuthSecrets") && failRotation.get()) {
                throw new dev.keyway.store.StoreException("disk full");
            }
            try {
                return m.invoke(sqlite, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        MasterKey mk = MasterKey.random();
        vaults = new VaultService(store, () -> mk, () -> {});
        vault = vaults.create("default", "test");
        as = new FakeOAuthServer();
        oauth = new OAuthCredentials(store, vaults, clock, brokenEvents::add);
        LinkedValues values = new LinkedValues(clock, tasks::add, () -> 0.0, (k, v, f) -> {}, 100);
        linked = new LinkedCredentials(new SourceService(store, vaults, new SourceTypes.Deps(clock, k -> null), () -> {}),
                values, m -> {});
        linked.attach(oauth);
    }

    @AfterEach
    void tearDown() throws Exception {
        as.close();
        sqlite.close();
    }

    CredentialRecord refreshCredential(String name, String clientId, String method, String refreshToken) {
        as.clients.put(clientId, new FakeOAuthServer.Client("secret-of-" + clientId, method));
        return oauth.put(vault, name, null, new OAuthCredentials.Request(OAuthGrant.REFRESH_TOKEN, URI.create(as.tokenUrl()),
                clientId, "secret-of-" + clientId, refreshToken, List.of("repo"), null, ClientAuth.of(method).orElseThrow()), "alice");
    }

    /** The proxy's lookup, running the fetch it starts. */
    LinkedValues.Lookup lookup(CredentialRecord c) {
        LinkedValues.Lookup l = linked.lookup(c);
        if (l instanceof LinkedValues.Pending p) {
            runTasks();
            return p.result().join();
        }
        return l;
    }

    void runTasks() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    static String token(LinkedValues.Lookup l) {
        assertThat(l).isInstanceOf(LinkedValues.Hit.class);
        return new String(((LinkedValues.Hit) l).value(), StandardCharsets.US_ASCII);
    }

    String storedRefreshToken(String name) {
        return oauth.secrets(store.oauthCredential(vault.id(), name).orElseThrow()).get("refresh_token");
    }

    @Test
    void refreshTokenGrantWithClientSecretBasicMintsAnAccessTokenTheResourceAccepts() {
        String rt = as.issueRefreshToken("app", Set.of("repo"));
        CredentialRecord c = refreshCredential("GH", "app", "basic", rt);
        String at = token(lookup(c));
        assertThat(as.accessTokens).containsKey(at);
        FakeOAuthServer.TokenCall call = as.calls("refresh_token").getFirst();
        assertThat(call.method()).isEqualTo("basic");
        assertThat(call.form()).containsEntry("refresh_token", rt).containsEntry("scope", "repo").doesNotContainKey("client_secret");
        assertThat(token(lookup(c))).as("served from memory").isEqualTo(at);
        assertThat(as.calls("refresh_token")).hasSize(1);
    }

    @Test
    void clientSecretPostIsSentInTheBody() {
        String rt = as.issueRefreshToken("poster", Set.of("repo"));
        CredentialRecord c = refreshCredential("POSTER", "poster", "post", rt);
        assertThat(token(lookup(c))).startsWith("at-");
        FakeOAuthServer.TokenCall call = as.calls("refresh_token").getFirst();
        assertThat(call.method()).isEqualTo("post");
        assertThat(call.form()).containsEntry("client_id", "poster").containsEntry("client_secret", "secret-of-poster");
    }

    @Test
    void clientCredentialsGrantWithAudience() {
        as.clients.put("svc", new FakeOAuthServer.Client("svc-secret", "post"));
        CredentialRecord c = oauth.put(vault, "SVC", null, new OAuthCredentials.Request(OAuthGrant.CLIENT_CREDENTIALS,
                URI.create(as.tokenUrl()), "svc", "svc-secret", null, List.of("read"), "https://api.example", ClientAuth.POST),
                "alice");
        assertThat(token(lookup(c))).startsWith("at-");
        assertThat(as.calls("client_credentials").getFirst().form()).containsEntry("audience", "https://api.example")
                .containsEntry("scope", "read");
    }

    @Test
    void aRotatedRefreshTokenIsStoredBeforeTheAccessTokenIsHandedOut() {
        String rt = as.issueRefreshToken("rot", Set.of("repo"));
        CredentialRecord c = refreshCredential("ROT", "rot", "basic", rt);
        String at = token(lookup(c));
        String rotated = storedRefreshToken("ROT");
        assertThat(rotated).as("the new refresh token is in the store").isNotEqualTo(rt).isIn(as.refreshTokens.keySet());
        assertThat(as.refreshTokens).as("the old one was revoked by the server").doesNotContainKey(rt);
        assertThat(store.oauthCredential(vault.id(), "ROT").orElseThrow().secretsVersion()).isEqualTo(2);

        // a fresh store on the same file (as after a crash and restart) has it too: the write was committed
        try (SqliteStore reopened = SqliteStore.open(dir.resolve("k.db"), clock)) {
            OAuthRecord r = reopened.oauthCredential(vault.id(), "ROT").orElseThrow();
            assertThat(oauth.secrets(r).get("refresh_token")).isEqualTo(rotated);
        }
        // and the next refresh (the token expired) uses it, and is accepted
        clock.advance(Duration.ofHours(1));
        String next = token(lookup(c));
        assertThat(next).isNotEqualTo(at);
        assertThat(as.calls("refresh_token").getLast().form()).containsEntry("refresh_token", rotated);
    }

    @Test
    void whenTheRotatedRefreshTokenCannotBeSavedTheAccessTokenIsNeverHandedOut() {
        String rt = as.issueRefreshToken("crash", Set.of("repo"));
        CredentialRecord c = refreshCredential("CRASH", "crash", "basic", rt);
        failRotation.set(true);
        LinkedValues.Lookup l = lookup(c);
        assertThat(l).isInstanceOfSatisfying(LinkedValues.Failed.class, f -> assertThat(f.failure().getMessage())
                .contains("rotated refresh token could not be saved").contains("discarded"));
        assertThat(as.accessTokens).as("the server did mint one").hasSize(1);
        assertThat(linked.problemType(c)).as("retryable").isEqualTo(ErrorType.CREDENTIAL_SOURCE_UNAVAILABLE);
    }

    @Test
    void expiresInDecidesTheCacheLifetimeAndRefreshHappensAheadOfExpiryOffTheRequestPath() {
        as.expiresIn = 600; // used for 540 s; refresh ahead from 405 s
        String rt = as.issueRefreshToken("ahead", Set.of("repo"));
        CredentialRecord c = refreshCredential("AHEAD", "ahead", "basic", rt);
        String first = token(lookup(c));
        clock.advance(Duration.ofSeconds(404));
        assertThat(token(linked.lookup(c))).isEqualTo(first);
        assertThat(tasks).as("not yet due").isEmpty();
        clock.advance(Duration.ofSeconds(2));
        LinkedValues.Lookup due = linked.lookup(c);
        assertThat(token(due)).as("the request is served the current token at once").isEqualTo(first);
        assertThat(tasks).as("a background refresh was started").hasSize(1);
        assertThat(linked.lookup(c)).as("single flight: no second refresh while one runs").isInstanceOf(LinkedValues.Hit.class);
        assertThat(tasks).hasSize(1);
        runTasks();
        String second = token(linked.lookup(c));
        assertThat(second).isNotEqualTo(first);
        assertThat(as.calls("refresh_token")).hasSize(2);
        clock.advance(Duration.ofSeconds(300));
        assertThat(token(linked.lookup(c))).as("the token's own lifetime (540 s) applies, not the 5 min default").isEqualTo(second);
        assertThat(tasks).isEmpty();
        clock.advance(Duration.ofSeconds(240));
        assertThat(linked.lookup(c)).as("expired: the next request waits for a new token").isInstanceOf(LinkedValues.Pending.class);
    }

    @Test
    void invalidGrantMarksTheCredentialBrokenPersistsItAndNeverAsksAgainUntilReauthorized() {
        CredentialRecord c = refreshCredential("GONE", "gone", "basic", "rt-revoked-by-the-user");
        LinkedValues.Lookup l = lookup(c);
        assertThat(l).isInstanceOfSatisfying(LinkedValues.Failed.class, f -> assertThat(f.failure().getMessage())
                .contains("invalid_grant").contains("keyway credential oauth GONE --vault default --grant refresh_token")
                .contains("--refresh-token-file F").doesNotContain("rt-revoked-by-the-user"));
        assertThat(linked.problemType(c)).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
        assertThat(store.oauthCredential(vault.id(), "GONE").orElseThrow().state()).isEqualTo(OAuthRecord.State.BROKEN);
        assertThat(brokenEvents).singleElement().satisfies(b -> {
            assertThat(b.credential()).isEqualTo("GONE");
            assertThat(b.detail()).contains("invalid_grant").doesNotContain("rt-revoked");
        });
        int calls = as.tokenCalls.size();
        clock.advance(Duration.ofHours(1)); // past any backoff
        assertThat(linked.lookup(c)).isInstanceOf(LinkedValues.Failed.class);
        assertThat(tasks).isEmpty();
        assertThat(as.tokenCalls).as("a broken credential does not ask the token endpoint again").hasSize(calls);

        // a restarted server knows it is broken without asking
        OAuthCredentials restarted = new OAuthCredentials(store, vaults, clock, b -> {});
        restarted.loadBroken();
        assertThat(restarted.broken(c)).isPresent();

        // re-authorizing clears it
        String rt = as.issueRefreshToken("gone", Set.of("repo"));
        CredentialRecord again = refreshCredential("GONE", "gone", "basic", rt);
        assertThat(linked.problemType(again)).isEqualTo(ErrorType.CREDENTIAL_SOURCE_UNAVAILABLE);
        assertThat(token(lookup(again))).startsWith("at-");
        assertThat(store.oauthCredential(vault.id(), "GONE").orElseThrow().state()).isEqualTo(OAuthRecord.State.OK);
    }

    @Test
    void invalidClientIsBrokenToo() {
        String rt = as.issueRefreshToken("cl", Set.of("repo"));
        CredentialRecord c = refreshCredential("CL", "cl", "basic", rt);
        as.clients.put("cl", new FakeOAuthServer.Client("a-new-secret", "basic")); // the secret was rotated at the provider
        assertThat(lookup(c)).isInstanceOfSatisfying(LinkedValues.Failed.class,
                f -> assertThat(f.failure().getMessage()).contains("invalid_client").contains("(HTTP 401)"));
        assertThat(linked.problemType(c)).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
    }

    @Test
    void aServerEchoingTheRefreshTokenDoesNotLeakItIntoTheDetail() {
        String rt = "rt-echoed-back-by-a-careless-server";
        CredentialRecord c = refreshCredential("ECHO", "echo", "basic", rt);
        as.forced.add(new MockResponse.Builder().code(400).addHeader("Content-Type", "application/json")
                .body("{\"error\":\"invalid_grant\",\"error_description\":\"unknown refresh token " + rt
                        + " for client echo with secret secret-of-echo\"}").build());
        LinkedValues.Lookup l = lookup(c);
        assertThat(l).isInstanceOfSatisfying(LinkedValues.Failed.class, f -> assertThat(f.failure().getMessage())
                .contains("unknown refresh token [REDACTED]").doesNotContain(rt).doesNotContain("secret-of-echo"));
        assertThat(brokenEvents).singleElement().satisfies(b -> assertThat(b.detail()).doesNotContain(rt));
        assertThat(store.oauthCredential(vault.id(), "ECHO").orElseThrow().stateDetail()).doesNotContain(rt);
    }

    @Test
    void transientFailuresAreRetryableAndBackedOffNeverBroken() {
        String rt = as.issueRefreshToken("flaky", Set.of("repo"));
        CredentialRecord c = refreshCredential("FLAKY", "flaky", "basic", rt);
        as.forced.add(new MockResponse.Builder().code(503).build());
        assertThat(lookup(c)).isInstanceOfSatisfying(LinkedValues.Failed.class,
                f -> assertThat(f.failure().describe()).contains("unavailable").contains("503"));
        assertThat(linked.problemType(c)).isEqualTo(ErrorType.CREDENTIAL_SOURCE_UNAVAILABLE);
        assertThat(LinkedCredentials.detail(c, ((LinkedValues.Failed) linked.lookup(c)).failure()))
                .contains("credential FLAKY is minted by OAuth").contains("nothing was forwarded");
        assertThat(as.tokenCalls).as("within the backoff nothing is asked").hasSize(1);
        clock.advance(Duration.ofSeconds(2));
        assertThat(token(lookup(c))).startsWith("at-");
        assertThat(storedRefreshToken("FLAKY")).as("the refresh token was not lost on the failed try").isIn(as.refreshTokens.keySet());
    }

    static String pkcs1Pem(java.security.KeyPair kp) {
        byte[] p8 = kp.getPrivate().getEncoded();
        byte[] p1 = java.util.Arrays.copyOfRange(p8, 26, p8.length); // the PKCS#1 key GitHub hands out
        return "-----BEGIN RSA PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(p1)
                + "\n-----END RSA PRIVATE KEY-----\n";
    }

    static java.security.KeyPair rsa() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    @Test
    void githubAppMintsInstallationTokensWithAnAppJwtTheFakeVerifiesWithThePublicKey() throws Exception {
        java.security.KeyPair app = rsa();
        try (FakeGitHubApps gh = new FakeGitHubApps(clock)) {
            gh.apps.put("12345", app.getPublic());
            gh.installations.put("777", "12345");
            CredentialRecord c = oauth.putGitHubApp(vault, "GH_APP", null, new OAuthCredentials.GitHubAppRequest("12345", "777",
                    pkcs1Pem(app), URI.create(gh.url())), "alice");
            String t = token(lookup(c));
            assertThat(gh.tokens).containsKey(t);
            assertThat(gh.calls).containsExactly("201 /app/installations/777/access_tokens");
            clock.advance(Duration.ofSeconds(2000));
            assertThat(token(linked.lookup(c))).as("cached within expires_at").isEqualTo(t);
            assertThat(tasks).isEmpty();
            clock.advance(Duration.ofSeconds(700)); // past 3/4 of 3540 s: refreshed in the background with a fresh JWT
            assertThat(token(linked.lookup(c))).isEqualTo(t);
            runTasks();
            assertThat(token(linked.lookup(c))).isNotEqualTo(t);
            assertThat(gh.calls).hasSize(2).allMatch(x -> x.startsWith("201 "));
            Map<String, Object> view = oauth.view(vault.id(), "GH_APP");
            assertThat(view).containsEntry("grant", "github-app").containsEntry("app_id", "12345")
                    .containsEntry("installation_id", "777").containsEntry("secrets", List.of("private_key"));
            assertThat(view.toString()).doesNotContain("PRIVATE KEY").doesNotContain("ghs_");

            // another key than the app's: GitHub refuses the JWT (401), the credential is broken
            CredentialRecord wrongKey = oauth.putGitHubApp(vault, "GH_WRONG", null, new OAuthCredentials.GitHubAppRequest("12345",
                    "777", pkcs1Pem(rsa()), URI.create(gh.url())), "alice");
            assertThat(lookup(wrongKey)).isInstanceOfSatisfying(LinkedValues.Failed.class, f -> assertThat(f.failure().getMessage())
                    .contains("bad_credentials").contains("(HTTP 401)")
                    .contains("keyway credential oauth GH_WRONG --vault default --grant github-app --app-id 12345 "
                            + "--installation-id 777 --private-key-file F"));
            assertThat(linked.problemType(wrongKey)).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
            // an installation of another app (or an uninstalled one): 404, broken
            CredentialRecord gone = oauth.putGitHubApp(vault, "GH_GONE", null, new OAuthCredentials.GitHubAppRequest("12345",
                    "999", pkcs1Pem(app), URI.create(gh.url())), "alice");
            assertThat(lookup(gone)).isInstanceOfSatisfying(LinkedValues.Failed.class,
                    f -> assertThat(f.failure().getMessage()).contains("not_found"));
            assertThat(brokenEvents).extracting(OAuthCredentials.Broken::credential).containsExactly("GH_WRONG", "GH_GONE");

            assertThatThrownBy(() -> oauth.putGitHubApp(vault, "GH_BAD", null, new OAuthCredentials.GitHubAppRequest("12345",
                    "777", "not a key", URI.create(gh.url())), "alice"))
                    .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.VALIDATION));
            assertThatThrownBy(() -> oauth.putGitHubApp(vault, "GH_BAD", null, new OAuthCredentials.GitHubAppRequest("x12",
                    "777", pkcs1Pem(app), URI.create(gh.url())), "alice"))
                    .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.VALIDATION));
        }
    }

    @Test
    void settingsAreValidatedAndSecretsAreWriteOnly() throws Exception {
        String rt = as.issueRefreshToken("v", Set.of("repo"));
        refreshCredential("VIEW", "v", "basic", rt);
        Map<String, Object> view = oauth.view(vault.id(), "VIEW");
        assertThat(view).containsEntry("grant", "refresh_token").containsEntry("client_id", "v").containsEntry("state", "ok")
                .containsEntry("secrets", List.of("client_secret", "refresh_token"));
        assertThat(view.toString()).doesNotContain(rt).doesNotContain("secret-of-v");
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as("sealed in " + f)
                        .doesNotContain(rt).doesNotContain("secret-of-v");
            }
        }
        for (OAuthCredentials.Request bad : List.of(
                new OAuthCredentials.Request(OAuthGrant.REFRESH_TOKEN, URI.create("http://auth.example/token"), "c", "s", "rt",
                        List.of(), null, ClientAuth.BASIC),
                new OAuthCredentials.Request(OAuthGrant.REFRESH_TOKEN, URI.create(as.tokenUrl()), "c", "s", null, List.of(), null,
                        ClientAuth.BASIC),
                new OAuthCredentials.Request(OAuthGrant.CLIENT_CREDENTIALS, URI.create(as.tokenUrl()), "c", null, null, List.of(),
                        null, ClientAuth.BASIC),
                new OAuthCredentials.Request(OAuthGrant.REFRESH_TOKEN, URI.create(as.tokenUrl()), "c", "s", "rt",
                        List.of("a b"), null, ClientAuth.BASIC),
                new OAuthCredentials.Request(OAuthGrant.REFRESH_TOKEN, URI.create(as.tokenUrl()), "c", "s", "rt\r\nX: y",
                        List.of(), null, ClientAuth.BASIC))) {
            assertThatThrownBy(() -> oauth.put(vault, "BAD", null, bad, "alice")).isInstanceOfSatisfying(KeywayException.class,
                    e -> assertThat(e.type()).isEqualTo(ErrorType.VALIDATION));
        }
    }
}
