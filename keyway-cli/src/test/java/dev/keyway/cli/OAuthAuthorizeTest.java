package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.ServerConfig;
import dev.keyway.server.source.FakeOAuthServer;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyway oauth authorize} end to end: the real CLI ({@code --no-browser}) prints the
 * authorization URL; the test plays the browser with the JDK HttpClient (which follows the fake
 * authorization server's 302 to the CLI's loopback listener, as a browser would); the CLI redeems
 * the code with its PKCE verifier at {@link FakeOAuthServer}'s token endpoint (which checks the
 * verifier against the challenge, RFC 7636 §4.6) and stores the refresh token; then curl through
 * the proxy gets an access token that Keyway minted from it injected at an HTTPS upstream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthAuthorizeTest {
    @TempDir
    static Path dir;

    FakeOAuthServer as;
    MockWebServer upstream;
    final List<String> upstreamSeen = new CopyOnWriteArrayList<>();
    CliHarness kw;
    Path clientSecret;
    final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    void start() throws Exception {
        as = new FakeOAuthServer();
        as.clients.put("cli-app", new FakeOAuthServer.Client("app-secret-7f3a", "basic"));
        as.clients.put("public-app", new FakeOAuthServer.Client(null, "none"));
        clientSecret = dir.resolve("client-secret");
        Files.writeString(clientSecret, "app-secret-7f3a\n");
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("upstream CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(ca).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String authz = r.getHeaders().get("Authorization");
                upstreamSeen.add(r.getTarget() + " " + authz); // recorded before answering
                String token = authz != null && authz.startsWith("Bearer ") ? authz.substring(7) : "";
                return as.accessTokens.containsKey(token) ? new MockResponse.Builder().code(200).body("upstream-ok").build()
                        : new MockResponse.Builder().code(401).body("invalid_token").build();
            }
        });
        upstream.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        kw = CliHarness.start(ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(caFile, null, true, List.of()));
    }

    @AfterAll
    void stop() throws Exception {
        kw.close();
        upstream.close();
        as.close();
    }

    @BeforeEach
    void reset() {
        as.consent = FakeOAuthServer.Consent.APPROVE;
        as.refreshOnCode = true;
    }

    /** Starts {@code oauth authorize NAME} against the fake with {@code more} options. */
    CliHarness.Running authorize(String name, String clientId, String... more) {
        List<String> args = new ArrayList<>(List.of("oauth", "authorize", name, "--authorize-url", as.authorizeUrl(), "--token-url",
                as.tokenUrl(), "--client-id", clientId, "--no-browser"));
        args.addAll(List.of(more));
        return kw.start(args.toArray(String[]::new));
    }

    /** The authorization URL the running command printed (bounded poll). */
    static URI printedUrl(CliHarness.Running run) throws Exception {
        for (int i = 0; i < 300; i++) {
            for (String line : run.out().toString().lines().toList()) {
                if (line.startsWith("http://127.0.0.1:") && line.contains("/authorize?")) {
                    return URI.create(line.strip());
                }
            }
            if (run.done().isDone()) {
                throw new AssertionError("the command ended without printing a URL: " + run.await().describe());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no authorization URL printed: " + run.out());
    }

    HttpResponse<String> openInBrowser(URI url) throws Exception {
        return browser.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void browserAuthorizationStoresARefreshTokenAndTheProxyInjectsAMintedAccessToken() throws Exception {
        CliHarness.Running run = authorize("API_TOKEN", "cli-app", "--client-secret-file", clientSecret.toString(), "--scope", "repo",
                "--scope", "read:org", "--param", "prompt=consent");
        URI url = printedUrl(run);
        String query = url.getRawQuery();
        assertThat(query).contains("response_type=code", "client_id=cli-app", "code_challenge_method=S256", "prompt=consent",
                "scope=repo%20read%3Aorg", "redirect_uri=http%3A%2F%2F127.0.0.1%3A");

        HttpResponse<String> page = openInBrowser(url);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("You can close this tab");
        assertThat(page.uri().toString()).startsWith("http://127.0.0.1:").contains("/callback?code=");

        CliHarness.Result r = run.await().ok();
        assertThat(r.out()).contains("Authorized: created OAuth credential API_TOKEN in vault default");
        FakeOAuthServer.TokenCall exchange = as.calls("authorization_code").getLast();
        assertThat(exchange.method()).isEqualTo("basic");
        String verifier = exchange.form().get("code_verifier");
        assertThat(verifier).hasSize(43);
        String refresh = as.refreshTokens.keySet().stream().filter(k -> k.endsWith("cli-app")).findFirst().orElseThrow();
        for (String secret : List.of(verifier, refresh, exchange.form().get("code"), "app-secret-7f3a")) {
            assertThat(r.out() + r.err()).doesNotContain(secret);
        }
        assertThat(kw.cli("credential", "show", "API_TOKEN").ok().out()).contains("\"grant\" : \"refresh_token\"")
                .contains("\"client_secret\", \"refresh_token\"").doesNotContain(refresh);

        kw.cli("service", "add", "api", "--host", "localhost:" + upstream.getPort(), "--allow-private", "--bearer", "API_TOKEN").ok();
        String token = kw.cli("token", "create", "--vault", "default", "--ttl", "1h", "--json").ok().json().get("token").asString();
        Curl curl = curl(token, "/repos/x");
        assertThat(curl.out()).as(curl.err()).contains("upstream-ok");
        assertThat(upstreamSeen).anyMatch(s -> s.startsWith("/repos/x Bearer at-"));
        assertThat(as.calls("refresh_token")).as("Keyway minted with the refresh token the CLI obtained")
                .anyMatch(c -> refresh.equals(c.form().get("refresh_token")));
    }

    @Test
    void anInterceptedCodeIsUselessWithoutTheVerifierAndThePublicClientStillRedeemsIt() throws Exception {
        CliHarness.Running run = authorize("PUBLIC_TOKEN", "public-app");
        URI url = printedUrl(run);
        HttpClient noFollow = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).proxy(HttpClient.Builder.NO_PROXY).build();
        HttpResponse<String> consent = noFollow.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(consent.statusCode()).isEqualTo(302);
        URI callback = URI.create(consent.headers().firstValue("Location").orElseThrow());
        String code = callback.getRawQuery().replaceAll(".*code=([^&]*).*", "$1");
        String redirect = callback.toString().substring(0, callback.toString().indexOf('?'));

        // an attacker who read the redirect tries to redeem the code with a verifier of its own
        HttpResponse<String> stolen = noFollow.send(HttpRequest.newBuilder(URI.create(as.tokenUrl()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&client_id=public-app&code=" + code
                        + "&redirect_uri=" + java.net.URLEncoder.encode(redirect, StandardCharsets.UTF_8)
                        + "&code_verifier=" + "A".repeat(43))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stolen.statusCode()).isEqualTo(400);
        assertThat(stolen.body()).contains("invalid_grant").contains("code_verifier");

        assertThat(openInBrowser(callback).statusCode()).isEqualTo(200);
        CliHarness.Result r = run.await().ok();
        assertThat(r.out()).contains("created OAuth credential PUBLIC_TOKEN");
        assertThat(as.calls("authorization_code").getLast().method()).as("a public client sends only client_id").isEqualTo("none");
    }

    @Test
    void aRedirectWithAnotherStateIsRefusedAndNothingIsStored() throws Exception {
        as.consent = FakeOAuthServer.Consent.WRONG_STATE;
        CliHarness.Running run = authorize("FORGED_TOKEN", "cli-app", "--client-secret-file", clientSecret.toString());
        HttpResponse<String> page = openInBrowser(printedUrl(run));
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).contains("state mismatch");
        CliHarness.Result r = run.await().expect(ExitCodes.FAILURE);
        assertThat(r.err()).contains("state does not match").contains("nothing was stored");
        assertThat(as.calls("authorization_code")).noneMatch(c -> "forged-code".equals(c.form().get("code")));
        kw.cli("credential", "show", "FORGED_TOKEN").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void accessDeniedIsAPermissionErrorNamingTheProvidersError() throws Exception {
        as.consent = FakeOAuthServer.Consent.DENY;
        CliHarness.Running run = authorize("DENIED_TOKEN", "cli-app", "--client-secret-file", clientSecret.toString());
        assertThat(openInBrowser(printedUrl(run)).statusCode()).isEqualTo(400);
        CliHarness.Result r = run.await().expect(ExitCodes.PERMISSION);
        assertThat(r.err()).contains("access_denied: The user denied the request").contains("nothing was stored");
        kw.cli("credential", "show", "DENIED_TOKEN").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void noRedirectBeforeTheTimeoutFailsAndTheListenerIsClosed() throws Exception {
        CliHarness.Running run = authorize("LATE_TOKEN", "cli-app", "--client-secret-file", clientSecret.toString(), "--timeout", "1s");
        URI url = printedUrl(run);
        CliHarness.Result r = run.await().expect(ExitCodes.FAILURE);
        assertThat(r.err()).contains("no redirect reached http://127.0.0.1:").contains("within 1s");
        String redirect = java.net.URLDecoder.decode(url.getRawQuery().replaceAll(".*redirect_uri=([^&]*).*", "$1"), StandardCharsets.UTF_8);
        assertThat(redirect).matches("http://127\\.0\\.0\\.1:[0-9]+/callback");
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", URI.create(redirect).getPort()), 2000);
            throw new AssertionError("the loopback listener still accepts connections after the command ended");
        } catch (java.net.ConnectException expected) {
            // closed
        }
    }

    @Test
    void anAnswerWithoutARefreshTokenSaysWhyAndStoresNothing() throws Exception {
        as.refreshOnCode = false;
        CliHarness.Running run = authorize("NO_REFRESH", "cli-app", "--client-secret-file", clientSecret.toString());
        assertThat(openInBrowser(printedUrl(run)).statusCode()).isEqualTo(200);
        CliHarness.Result r = run.await().expect(ExitCodes.FAILURE);
        assertThat(r.err()).contains("no refresh token").contains("access_type=offline");
        kw.cli("credential", "show", "NO_REFRESH").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void templatesFillTheEndpointsAndUnknownOnesAreUsageErrors() {
        CliHarness.Result unknown = kw.cli("oauth", "authorize", "X", "--template", "gitlab", "--client-id", "c", "--no-browser");
        assertThat(unknown.code()).as(unknown.describe()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("github, google, slack");
        CliHarness.Result noUrl = kw.cli("oauth", "authorize", "X", "--client-id", "c", "--no-browser");
        assertThat(noUrl.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noUrl.err()).contains("--authorize-url is required");
        CliHarness.Result plain = kw.cli("oauth", "authorize", "X", "--authorize-url", "http://as.example.com/authorize",
                "--token-url", "https://as.example.com/token", "--client-id", "c", "--no-browser");
        assertThat(plain.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(plain.err()).contains("https://");
    }

    record Curl(String out, String err) {}

    Curl curl(String token, String path) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("curl", "-sS", "--max-time", "30", "--proxy",
                "http://" + token + ":default@127.0.0.1:" + kw.server().proxyPort(), "--cacert",
                kw.dataDir().resolve("ca.pem").toString(), "https://localhost:" + upstream.getPort() + path)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
        Path out = Files.createTempFile(dir, "curl", ".out");
        Path err = Files.createTempFile(dir, "curl", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Curl(Files.readString(out), Files.readString(err));
    }
}
