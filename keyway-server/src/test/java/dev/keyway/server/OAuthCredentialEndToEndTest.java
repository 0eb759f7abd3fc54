package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import dev.keyway.server.source.FakeOAuthServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OAuth-minted credentials (issue 12) through the whole product with real curl and Python: a real
 * server whose clock the test moves, {@link FakeOAuthServer} as the authorization server (RFC 6749
 * token endpoint, rotation, invalid_grant), and an HTTPS upstream that accepts only the access
 * tokens that server issued and records each Authorization header before answering. Each test
 * uses its own credential, client and path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthCredentialEndToEndTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    final MutableClock clock = new MutableClock(java.time.Instant.now()); // curl checks the minted leaves against real time
    final List<String> upstreamSeen = new CopyOnWriteArrayList<>();
    final List<String> webhookBodies = new CopyOnWriteArrayList<>();
    MockWebServer upstream;
    MockWebServer webhook;
    FakeOAuthServer as;
    volatile dev.keyway.server.source.@org.jspecify.annotations.Nullable FakeGitHubApps github;
    volatile dev.keyway.server.source.@org.jspecify.annotations.Nullable FakeGcpSecretManager google;
    TestServer ts;
    String proxyUrl;
    Path keywayCa;
    Path upstreamCaFile;

    @BeforeAll
    void start() throws Exception {
        HeldCertificate upstreamCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("upstream CA").ecdsa256()
                .build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(upstreamCa).build();
        as = new FakeOAuthServer();
        as.clock = clock; // client assertions are dated by Keyway's (moved) clock
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String authz = r.getHeaders().get("Authorization");
                upstreamSeen.add(r.getTarget() + " " + authz);
                String token = authz != null && authz.startsWith("Bearer ") ? authz.substring(7) : "";
                dev.keyway.server.source.FakeGitHubApps gh = github;
                dev.keyway.server.source.FakeGcpSecretManager gc = google;
                return as.accessTokens.containsKey(token) || gh != null && gh.tokens.containsKey(token)
                        || gc != null && gc.tokens.containsKey(token)
                        ? r.getTarget().endsWith("/echo") // an echo endpoint: the access token back, header and body
                                ? new MockResponse.Builder().code(200).addHeader("X-Echo", String.valueOf(authz))
                                        .body("{\"authorization\":\"" + authz + "\"}").build()
                                : new MockResponse.Builder().code(200).body("upstream-ok").build()
                        : new MockResponse.Builder().code(401).body("invalid_token").build();
            }
        });
        upstream.start();
        webhook = new MockWebServer();
        webhook.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                webhookBodies.add(r.getBody() == null ? "" : r.getBody().utf8());
                return new MockResponse.Builder().code(204).build();
            }
        });
        webhook.start();
        upstreamCaFile = dir.resolve("upstream-ca.pem");
        Files.writeString(upstreamCaFile, upstreamCa.certificatePem());
        ServerConfig cfg = ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(upstreamCaFile, null, true, List.of());
        ts = TestServer.start(cfg, clock);
        keywayCa = dir.resolve("data/ca.pem");
        ok(ts.call("POST", "/v1/webhooks", "{\"url\":\"" + webhook.url("/hook") + "\"}"));
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"30d\"}")))
                .get("token").asString();
        proxyUrl = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
        webhook.close();
        as.close();
        dev.keyway.server.source.FakeGitHubApps gh = github;
        if (gh != null) {
            gh.close();
        }
        dev.keyway.server.source.FakeGcpSecretManager gc = google;
        if (gc != null) {
            gc.close();
        }
    }

    static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    /** An OAuth credential NAME (refresh_token grant, client_secret_basic) and a bearer service for /PATH/**. */
    void oauth(String name, String path, String clientId, String refreshToken) throws Exception {
        as.clients.put(clientId, new FakeOAuthServer.Client("secret-" + clientId, "basic"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/" + name + "/oauth", """
                {"grant":"refresh_token","token_url":"%s","client_id":"%s","client_secret":"secret-%s",
                 "refresh_token":"%s","scopes":["repo"]}""".formatted(as.tokenUrl(), clientId, clientId, refreshToken)));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"%s","host":"localhost:%d","allow_private":true,"paths":["/%s/**"],"inject":{"bearer":"%s"}}"""
                .formatted(path, upstream.getPort(), path, name)));
    }

    Curl.Result curl(String path) throws Exception {
        return Curl.run("-sS", "--max-time", "30", "--proxy", proxyUrl, "--cacert", keywayCa.toString(), "-D", "-",
                "https://localhost:" + upstream.getPort() + "/" + path + "/x");
    }


    List<String> upstreamFor(String path) {
        return upstreamSeen.stream().filter(s -> s.startsWith("/" + path + "/")).toList();
    }

    /** A minted access token is an injected value like any other: an upstream echoing it gets it redacted. */
    @Test
    void anEchoedAccessTokenIsRedacted() throws Exception {
        oauth("ECHO_TOKEN", "oecho", "oecho-app", as.issueRefreshToken("oecho-app", Set.of("repo")));
        Curl.Result r = Curl.run("-sS", "--max-time", "30", "--proxy", proxyUrl, "--cacert", keywayCa.toString(), "-D", "-",
                "https://localhost:" + upstream.getPort() + "/oecho/echo");
        List<String> seen = upstreamFor("oecho");
        assertThat(seen).singleElement().asString().startsWith("/oecho/echo Bearer at-");
        String at = seen.getFirst().substring("/oecho/echo Bearer ".length());
        assertThat(r.lastStatus()).as(r.out() + r.err()).isEqualTo(200);
        assertThat(r.out()).containsIgnoringCase("x-echo: Bearer [REDACTED:ECHO_TOKEN]")
                .contains("{\"authorization\":\"Bearer [REDACTED:ECHO_TOKEN]\"}").doesNotContain(at);
    }

    @Test
    void accessTokenIsMintedInjectedCachedAndRefreshedWithTheRotatedRefreshToken() throws Exception {
        String rt = as.issueRefreshToken("gh-app", Set.of("repo"));
        oauth("GH_TOKEN", "gh", "gh-app", rt);
        Curl.Result first = curl("gh");
        assertThat(first.lastStatus()).as(first.out() + first.err()).isEqualTo(200);
        assertThat(first.out()).contains("upstream-ok");
        List<String> seen = upstreamFor("gh");
        assertThat(seen).singleElement().asString().startsWith("/gh/x Bearer at-");
        String at = seen.getFirst().substring("/gh/x Bearer ".length());
        assertThat(first.out()).doesNotContain(at);

        assertThat(curl("gh").lastStatus()).isEqualTo(200);
        assertThat(upstreamFor("gh")).as("served from memory").allMatch(s -> s.endsWith(at)).hasSize(2);
        assertThat(as.calls("refresh_token").stream().filter(c -> c.form().get("refresh_token").contains("gh-app")).count())
                .isEqualTo(1);
        String rotated = as.refreshTokens.keySet().stream().filter(k -> k.endsWith("gh-app")).findFirst().orElseThrow();

        clock.advance(Duration.ofHours(1)); // past expires_in (3600 s, used for 3540 s)
        assertThat(curl("gh").lastStatus()).isEqualTo(200);
        assertThat(upstreamFor("gh").getLast()).isNotEqualTo(upstreamFor("gh").getFirst());
        assertThat(as.calls("refresh_token").getLast().form()).as("the rotated refresh token was saved and used")
                .containsEntry("refresh_token", rotated);

        // Python's urllib through the proxy gets the same, current token injected
        Path py = dir.resolve("get.py");
        Files.writeString(py, """
                import ssl, sys, urllib.request
                ctx = ssl.create_default_context(cafile=sys.argv[2])
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({"https": sys.argv[1]}),
                                                     urllib.request.HTTPSHandler(context=ctx))
                with opener.open(sys.argv[3], timeout=30) as r:
                    print(r.status, r.read().decode())
                """);
        ProcessBuilder pb = new ProcessBuilder("python3", py.toString(), proxyUrl, keywayCa.toString(),
                "https://localhost:" + upstream.getPort() + "/gh/python").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
        Process p = pb.redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).as(out).contains("200 upstream-ok");
        assertThat(upstreamFor("gh").getLast()).startsWith("/gh/python Bearer at-").isEqualTo("/gh/python "
                + upstreamFor("gh").get(2).substring("/gh/x ".length()));

        JsonNode list = JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/credentials", null)));
        JsonNode c = find(list.get("credentials"), "GH_TOKEN");
        assertThat(c.path("kind").asString()).isEqualTo("oauth");
        assertThat(c.path("state").asString()).isEqualTo("ok");
        String view = ok(ts.call("GET", "/v1/vaults/default/credentials/GH_TOKEN/oauth", null));
        assertThat(view).contains("\"secrets\":[\"client_secret\",\"refresh_token\"]").doesNotContain(rotated)
                .doesNotContain("secret-gh-app").doesNotContain("at-");
        String audit = awaitAudit("\"credential\":\"GH_TOKEN\"", "\"cached\":true");
        for (String secret : List.of(at, rt, rotated, "secret-gh-app")) {
            assertThat(audit).doesNotContain(secret);
        }
        assertThat(audit).contains("\"action\":\"credential.oauth\"");
    }

    @Test
    void invalidGrantIs502WithTheCommandToReauthorizeMarksBrokenAndNotifiesWebhooks() throws Exception {
        oauth("REVOKED_TOKEN", "revoked", "rv-app", "rt-the-user-revoked");
        Curl.Result r = curl("revoked");
        assertThat(r.lastStatus()).as(r.out()).isEqualTo(502);
        assertThat(r.out()).containsIgnoringCase("Keyway-Error: credential-unavailable").contains("application/problem+json")
                .contains("invalid_grant").contains("keyway credential oauth REVOKED_TOKEN --vault default --grant refresh_token")
                .contains("--refresh-token-file").doesNotContain("rt-the-user-revoked").doesNotContain("secret-rv-app");
        assertThat(upstreamFor("revoked")).as("nothing forwarded").isEmpty();
        long calls = as.tokenCalls.size();
        clock.advance(Duration.ofMinutes(10));
        assertThat(curl("revoked").lastStatus()).isEqualTo(502);
        assertThat(as.tokenCalls).as("broken: the token endpoint is not asked again").hasSize((int) calls);

        JsonNode c = find(JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/credentials", null))).get("credentials"),
                "REVOKED_TOKEN");
        assertThat(c.path("state").asString()).isEqualTo("broken");
        assertThat(c.path("state_detail").asString()).contains("invalid_grant");
        String hook = awaitWebhook("\"credential\":\"REVOKED_TOKEN\""); // other tests break credentials too
        assertThat(hook).contains("credential.broken").contains("invalid_grant").doesNotContain("rt-the-user");
        awaitAudit("\"type\":\"oauth-broken\"", "REVOKED_TOKEN");

        // re-authorizing with a new refresh token heals it
        String fresh = as.issueRefreshToken("rv-app", Set.of("repo"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/REVOKED_TOKEN/oauth", """
                {"grant":"refresh_token","token_url":"%s","client_id":"rv-app","client_secret":"secret-rv-app",
                 "refresh_token":"%s"}""".formatted(as.tokenUrl(), fresh)));
        assertThat(curl("revoked").lastStatus()).isEqualTo(200);
        assertThat(upstreamFor("revoked")).singleElement().asString().startsWith("/revoked/x Bearer at-");
    }

    @Test
    void tokenEndpointDownIsA503RetryableAndNothingIsForwarded() throws Exception {
        String rt = as.issueRefreshToken("down-app", Set.of("repo"));
        oauth("DOWN_TOKEN", "down", "down-app", rt);
        as.forced.add(new MockResponse.Builder().code(503).addHeader("Retry-After", "1").build());
        Curl.Result r = curl("down");
        assertThat(r.lastStatus()).as(r.out()).isEqualTo(503);
        assertThat(r.out()).containsIgnoringCase("Keyway-Error: credential-source-unavailable")
                .contains("minted by OAuth").contains("503");
        assertThat(upstreamFor("down")).isEmpty();
        clock.advance(Duration.ofSeconds(5)); // past the backoff
        assertThat(curl("down").lastStatus()).isEqualTo(200);
        assertThat(as.refreshTokens.keySet()).as("the refresh token survived the failed attempt")
                .anyMatch(k -> k.endsWith("down-app"));
    }

    @Test
    void githubAppInstallationTokenIsInjectedWithCurl() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        java.security.KeyPair app = g.generateKeyPair();
        dev.keyway.server.source.FakeGitHubApps gh = new dev.keyway.server.source.FakeGitHubApps(clock);
        github = gh;
        gh.apps.put("4242", app.getPublic());
        gh.installations.put("99", "4242");
        String pem = "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(app.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ok(ts.call("PUT", "/v1/vaults/default/credentials/GH_APP/oauth", JSON.writeValueAsString(java.util.Map.of(
                "grant", "github-app", "app_id", "4242", "installation_id", "99", "private_key", pem, "api_url", gh.url()))));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"ghapp","host":"localhost:%d","allow_private":true,"paths":["/ghapp/**"],"inject":{"bearer":"GH_APP"}}"""
                .formatted(upstream.getPort())));
        Curl.Result r = curl("ghapp");
        assertThat(r.lastStatus()).as(r.out() + r.err()).isEqualTo(200);
        assertThat(upstreamFor("ghapp")).singleElement().asString().startsWith("/ghapp/x Bearer ghs_");
        assertThat(gh.calls).containsExactly("201 /app/installations/99/access_tokens");
        String view = ok(ts.call("GET", "/v1/vaults/default/credentials/GH_APP/oauth", null));
        assertThat(view).contains("\"grant\":\"github-app\"").contains("\"secrets\":[\"private_key\"]")
                .doesNotContain("PRIVATE KEY").doesNotContain("ghs_");
        String audit = awaitAudit("\"credential\":\"GH_APP\"", "\"type\":\"linked-credential\"");
        assertThat(audit).doesNotContain("ghs_").doesNotContain(pem.substring(40, 80));
    }

    /**
     * A run token narrowed to repositories and permissions ({@code POST /v1/github/run-scope}, what
     * {@code keyway run --github-repos/--github-permissions} sends) gets an installation token minted
     * with exactly that narrowing (the fake checks the body as GitHub documents it and remembers
     * which token it narrowed), cached per narrowing; a token without one still gets the wide
     * token; a narrowing GitHub refuses (422) is 502 credential-unavailable naming it, and nothing
     * reaches the upstream: never the wide token instead (S201, S202).
     */
    @Test
    void githubAppTokenIsNarrowedPerRunTokenAndARefusedNarrowingFailsClosed() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        java.security.KeyPair app = g.generateKeyPair();
        try (dev.keyway.server.source.FakeGitHubApps gh = new dev.keyway.server.source.FakeGitHubApps(clock)) {
            github = gh;
            gh.apps.put("5151", app.getPublic());
            gh.installations.put("77", "5151");
            gh.accounts.put("77", "octo");
            gh.repositories.put("77", List.of("a", "b", "c"));
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + java.util.Base64.getMimeEncoder().encodeToString(app.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
            ok(ts.call("PUT", "/v1/vaults/default/credentials/GH_NARROW/oauth", JSON.writeValueAsString(java.util.Map.of(
                    "grant", "github-app", "app_id", "5151", "installation_id", "77", "private_key", pem, "api_url", gh.url()))));
            ok(ts.call("POST", "/v1/vaults/default/services", """
                    {"name":"ghnarrow","host":"localhost:%d","allow_private":true,"paths":["/ghnarrow/**"],
                     "inject":{"bearer":"GH_NARROW"}}""".formatted(upstream.getPort())));

            String narrow = runToken();
            java.net.http.HttpResponse<String> bound = ts.call("POST", "/v1/github/run-scope",
                    "{\"repositories\":[\"octo/b\",\"a\"],\"permissions\":{\"issues\":\"write\",\"contents\":\"read\"}}", narrow);
            assertThat(bound.statusCode()).as(bound.body()).isEqualTo(201);
            assertThat(ts.call("POST", "/v1/github/run-scope", "{\"permissions\":{\"contents\":\"write\"}}", narrow).statusCode())
                    .as("set once: a run cannot widen its narrowing").isEqualTo(409);

            Curl.Result r = curlAs(narrow, "ghnarrow");
            assertThat(r.lastStatus()).as(r.out() + r.err()).isEqualTo(200);
            assertThat(curlAs(narrow, "ghnarrow").lastStatus()).isEqualTo(200);
            String expectedBody = "{\"repositories\":[\"a\",\"b\"],\"permissions\":{\"contents\":\"read\",\"issues\":\"write\"}}";
            assertThat(gh.bodies).as("one narrowed mint, cached for the second request").containsExactly(expectedBody);
            List<String> seen = upstreamFor("ghnarrow");
            assertThat(seen).hasSize(2);
            String narrowedToken = seen.get(0).substring(seen.get(0).indexOf("Bearer ") + 7);
            assertThat(seen).allSatisfy(s -> assertThat(s).endsWith("Bearer " + narrowedToken));
            assertThat(gh.narrowed).as("the upstream received the narrowed token").containsEntry(narrowedToken, expectedBody);

            Curl.Result wide = curl("ghnarrow"); // the class's token has no narrowing
            assertThat(wide.lastStatus()).as(wide.out() + wide.err()).isEqualTo(200);
            String last = upstreamFor("ghnarrow").get(2);
            String wideToken = last.substring(last.indexOf("Bearer ") + 7);
            assertThat(wideToken).isNotEqualTo(narrowedToken);
            assertThat(gh.tokens).containsKey(wideToken);
            assertThat(gh.narrowed).doesNotContainKey(wideToken);
            assertThat(gh.bodies).containsExactly(expectedBody, "");

            String refused = runToken();
            assertThat(ts.call("POST", "/v1/github/run-scope", "{\"repositories\":[\"octo/zzz\"]}", refused).statusCode())
                    .isEqualTo(201);
            Curl.Result no = curlAs(refused, "ghnarrow");
            assertThat(no.lastStatus()).as(no.out() + no.err()).isEqualTo(502);
            assertThat(no.out()).contains("credential-unavailable").contains("zzz")
                    .contains("not accessible to the parent installation").doesNotContain("ghs_");
            assertThat(gh.calls).contains("422 /app/installations/77/access_tokens");
            assertThat(upstreamFor("ghnarrow")).as("nothing forwarded, not even with the wide token").hasSize(3);
        }
    }

    /** A fresh run token (type scoped) of the default vault. */
    String runToken() throws Exception {
        return JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}"))).get("token").asString();
    }

    Curl.Result curlAs(String token, String path) throws Exception {
        return Curl.run("-sS", "--max-time", "30", "--proxy", "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort(),
                "--cacert", keywayCa.toString(), "-D", "-", "https://localhost:" + upstream.getPort() + "/" + path + "/x");
    }

    /**
     * {@code --grant google-service-account}: {@link dev.keyway.server.source.FakeGcpSecretManager}'s
     * token endpoint follows Google's "Using OAuth 2.0 for Server to Server Applications": it
     * verifies the RS256 assertion with the service account's public key and checks iss, scope,
     * aud and the one-hour lifetime; a key Google does not hold (deleted) is invalid_grant.
     */
    @Test
    void googleServiceAccountTokenIsMintedWithASignedJwtAndInjectedWithCurl() throws Exception {
        dev.keyway.server.source.FakeGcpSecretManager gc = new dev.keyway.server.source.FakeGcpSecretManager();
        google = gc;
        String key = gc.keyFileJson();
        ok(ts.call("PUT", "/v1/vaults/default/credentials/GCP_TOKEN/oauth", JSON.writeValueAsString(java.util.Map.of(
                "grant", "google-service-account", "key", key, "scopes", List.of("https://www.googleapis.com/auth/cloud-platform"),
                "subject", "admin@example.com"))));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"gcp","host":"localhost:%d","allow_private":true,"paths":["/gcp/**"],"inject":{"bearer":"GCP_TOKEN"}}"""
                .formatted(upstream.getPort())));
        Curl.Result r = curl("gcp");
        assertThat(r.lastStatus()).as(r.out() + r.err()).isEqualTo(200);
        assertThat(upstreamFor("gcp")).singleElement().asString().startsWith("/gcp/x Bearer ya29.fake-");
        JsonNode claims = gc.seen().getFirst().claims();
        assertThat(claims.path("iss").asString()).isEqualTo(dev.keyway.server.source.FakeGcpSecretManager.EMAIL);
        assertThat(claims.path("sub").asString()).as("domain-wide delegation").isEqualTo("admin@example.com");
        assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(3600);
        String view = ok(ts.call("GET", "/v1/vaults/default/credentials/GCP_TOKEN/oauth", null));
        assertThat(view).contains("\"grant\":\"google-service-account\"").contains("\"secrets\":[\"key\"]")
                .contains("\"client_id\":\"" + dev.keyway.server.source.FakeGcpSecretManager.EMAIL + "\"")
                .doesNotContain("PRIVATE KEY").doesNotContain("ya29");
        String audit = awaitAudit("\"credential\":\"GCP_TOKEN\"", "\"type\":\"linked-credential\"");
        assertThat(audit).doesNotContain("ya29").doesNotContain("PRIVATE KEY");

        // a key Google no longer holds: invalid_grant breaks the credential with the command that fixes it
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        gc.accepted = g.generateKeyPair().getPublic();
        ok(ts.call("PUT", "/v1/vaults/default/credentials/GCP_DELETED/oauth", JSON.writeValueAsString(java.util.Map.of(
                "grant", "google-service-account", "key", key, "scopes", List.of("https://www.googleapis.com/auth/cloud-platform")))));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"gcpdel","host":"localhost:%d","allow_private":true,"paths":["/gcpdel/**"],"inject":{"bearer":"GCP_DELETED"}}"""
                .formatted(upstream.getPort())));
        Curl.Result broken = curl("gcpdel");
        assertThat(broken.lastStatus()).as(broken.out()).isEqualTo(502);
        assertThat(broken.out()).contains("invalid_grant").contains("--grant google-service-account --key-file F");
        assertThat(upstreamFor("gcpdel")).isEmpty();

        // a key file that is not a service-account key is a validation error naming the field
        java.net.http.HttpResponse<String> bad = ts.call("PUT", "/v1/vaults/default/credentials/GCP_BAD/oauth",
                JSON.writeValueAsString(java.util.Map.of("grant", "google-service-account", "key", "{\"type\":\"user\"}",
                        "scopes", List.of("x"))));
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(bad.body()).contains("not a service-account key");
    }

    static String pem(java.security.PrivateKey k) {
        return "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(k.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /**
     * {@code --auth-method private_key_jwt}: the fake verifies the client assertion as RFC 7523 §3 and
     * OIDC Core §9 say (signature with the registered public key, iss = sub = client id, aud = token
     * endpoint, exp within 5 minutes, jti once); no client secret exists anywhere.
     */
    @Test
    void privateKeyJwtClientAuthenticationMintsForClientCredentialsAndRefreshToken() throws Exception {
        java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair ecKeys = ec.generateKeyPair();
        as.clients.put("jwt-svc", FakeOAuthServer.Client.privateKeyJwt(ecKeys.getPublic()));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/JWT_CC/oauth", JSON.writeValueAsString(java.util.Map.of(
                "grant", "client_credentials", "token_url", as.tokenUrl(), "client_id", "jwt-svc", "auth_method", "private_key_jwt",
                "client_key", pem(ecKeys.getPrivate()), "client_key_alg", "ES256"))));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"jwtcc","host":"localhost:%d","allow_private":true,"paths":["/jwtcc/**"],"inject":{"bearer":"JWT_CC"}}"""
                .formatted(upstream.getPort())));
        Curl.Result r = curl("jwtcc");
        assertThat(r.lastStatus()).as(r.out() + r.err()).isEqualTo(200);
        FakeOAuthServer.TokenCall cc = as.tokenCalls.stream().filter(c -> "jwt-svc".equals(c.form().get("client_id"))).findFirst()
                .orElseThrow();
        assertThat(cc.method()).isEqualTo("private_key_jwt");
        assertThat(cc.form()).doesNotContainKey("client_secret");

        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        java.security.KeyPair rsaKeys = rsa.generateKeyPair();
        as.clients.put("jwt-user", FakeOAuthServer.Client.privateKeyJwt(rsaKeys.getPublic()));
        String rt = as.issueRefreshToken("jwt-user", Set.of());
        ok(ts.call("PUT", "/v1/vaults/default/credentials/JWT_RT/oauth", JSON.writeValueAsString(java.util.Map.of(
                "grant", "refresh_token", "token_url", as.tokenUrl(), "client_id", "jwt-user", "refresh_token", rt,
                "auth_method", "private_key_jwt", "client_key", pem(rsaKeys.getPrivate())))));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"jwtrt","host":"localhost:%d","allow_private":true,"paths":["/jwtrt/**"],"inject":{"bearer":"JWT_RT"}}"""
                .formatted(upstream.getPort())));
        assertThat(curl("jwtrt").lastStatus()).isEqualTo(200);
        assertThat(upstreamFor("jwtrt")).singleElement().asString().startsWith("/jwtrt/x Bearer at-");
        String view = ok(ts.call("GET", "/v1/vaults/default/credentials/JWT_RT/oauth", null));
        assertThat(view).contains("\"auth_method\":\"private_key_jwt\"").contains("\"client_key_alg\":\"RS256\"")
                .contains("\"secrets\":[\"client_key\",\"refresh_token\"]").doesNotContain("PRIVATE KEY");

        // a key the server does not hold: invalid_client breaks the credential
        java.security.KeyPair other = ec.generateKeyPair();
        ok(ts.call("PUT", "/v1/vaults/default/credentials/JWT_WRONG/oauth", JSON.writeValueAsString(java.util.Map.of(
                "grant", "client_credentials", "token_url", as.tokenUrl(), "client_id", "jwt-svc", "auth_method", "private_key_jwt",
                "client_key", pem(other.getPrivate()), "client_key_alg", "ES256"))));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"jwtwrong","host":"localhost:%d","allow_private":true,"paths":["/jwtwrong/**"],"inject":{"bearer":"JWT_WRONG"}}"""
                .formatted(upstream.getPort())));
        Curl.Result wrong = curl("jwtwrong");
        assertThat(wrong.lastStatus()).as(wrong.out()).isEqualTo(502);
        assertThat(wrong.out()).contains("invalid_client");
        // the re-authorize command in the detail matches how this client authenticates
        assertThat(wrong.out()).contains("--auth-method private_key_jwt --client-key-file F").doesNotContain("--client-secret-file");
        assertThat(upstreamFor("jwtwrong")).isEmpty();

        // settings are checked when saved: the key must match the algorithm
        java.net.http.HttpResponse<String> mismatch = ts.call("PUT", "/v1/vaults/default/credentials/JWT_BAD/oauth",
                JSON.writeValueAsString(java.util.Map.of("grant", "client_credentials", "token_url", as.tokenUrl(), "client_id", "x",
                        "auth_method", "private_key_jwt", "client_key", pem(rsaKeys.getPrivate()), "client_key_alg", "ES256")));
        assertThat(mismatch.statusCode()).isEqualTo(422);
        assertThat(mismatch.body()).contains("client_key").doesNotContain("PRIVATE KEY");
    }

    static JsonNode find(JsonNode credentials, String name) {
        for (JsonNode c : credentials) {
            if (c.path("name").asString().equals(name)) {
                return c;
            }
        }
        throw new AssertionError(name + " not listed");
    }

    String awaitWebhook(String fragment) throws Exception {
        for (int i = 0; i < 100; i++) {
            for (String b : webhookBodies) {
                if (b.contains(fragment)) {
                    return b;
                }
            }
            Thread.sleep(100); // waits for the asynchronous delivery (bounded poll, not a timing assertion)
        }
        throw new AssertionError("no webhook with " + fragment + ": " + webhookBodies);
    }

    String awaitAudit(String... fragments) throws Exception {
        Path log = dir.resolve("data/audit.jsonl");
        for (int i = 0; i < 100; i++) {
            String all = Files.readString(log);
            if (all.lines().anyMatch(l -> java.util.Arrays.stream(fragments).allMatch(l::contains))) {
                return all;
            }
            Thread.sleep(100); // waits for the asynchronous audit writer (bounded poll, not a timing assertion)
        }
        throw new AssertionError("no audit record with " + List.of(fragments));
    }
}
