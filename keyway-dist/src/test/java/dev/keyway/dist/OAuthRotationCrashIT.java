package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * Refresh-token rotation survives SIGKILL (issue 12, docs/security.md S130), through the real jar:
 * an authorization server that rotates refresh tokens and revokes the old one at once (RFC 6749
 * §6, §10.4), and an upstream that SIGKILLs the Keyway server the moment the first access token
 * arrives, before answering. At that moment the server has already rotated the refresh token; if
 * Keyway had handed the access token out before committing the new refresh token, the restarted
 * server would hold only the revoked one and get {@code invalid_grant}. It must instead mint again
 * with the rotated token and inject a new access token.
 */
class OAuthRotationCrashIT {
    /** live refresh tokens and access tokens of the fake authorization server */
    final Set<String> refreshTokens = ConcurrentHashMap.newKeySet();
    final Set<String> accessTokens = ConcurrentHashMap.newKeySet();
    final List<String> tokenCalls = new CopyOnWriteArrayList<>();
    final AtomicInteger serial = new AtomicInteger();

    MockResponse token(RecordedRequest r) {
        Map<String, String> form = new LinkedHashMap<>();
        String body = r.getBody() == null ? "" : r.getBody().utf8();
        for (String kv : body.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        String rt = form.getOrDefault("refresh_token", "");
        tokenCalls.add(rt);
        if (!"refresh_token".equals(form.get("grant_type")) || !refreshTokens.remove(rt)) {
            return new MockResponse.Builder().code(400).addHeader("Content-Type", "application/json")
                    .body("{\"error\":\"invalid_grant\",\"error_description\":\"refresh token revoked or reused\"}").build();
        }
        String next = "rt-" + serial.incrementAndGet();
        String at = "at-" + serial.incrementAndGet();
        refreshTokens.add(next);
        accessTokens.add(at);
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json").addHeader("Cache-Control", "no-store")
                .body("{\"access_token\":\"" + at + "\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"refresh_token\":\"" + next + "\"}")
                .build();
    }

    @Test
    void aServerKilledRightAfterUsingANewAccessTokenStillHoldsTheRotatedRefreshToken() throws Exception {
        Path jar = Path.of(System.getProperty("keyway.jar", "target/keyway.jar")).toAbsolutePath();
        Path work = jar.getParent().resolve("it-work").resolve("OAuthRotationCrashIT-" + System.currentTimeMillis());
        Path data = Files.createDirectories(work.resolve("data"));
        KeywayJar kw = new KeywayJar(jar, work.resolve("logs"));
        AtomicReference<KeywayJar.Server> running = new AtomicReference<>();
        AtomicBoolean killed = new AtomicBoolean();
        List<String> upstreamSeen = new CopyOnWriteArrayList<>();
        Dispatcher killsOnFirstToken = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String authz = String.valueOf(r.getHeaders().get("Authorization"));
                upstreamSeen.add(authz);
                if (killed.compareAndSet(false, true)) {
                    running.get().process().destroyForcibly(); // SIGKILL while the first access token is in use
                    return new MockResponse.Builder().code(500).body("killed").build();
                }
                boolean ok = authz.startsWith("Bearer ") && accessTokens.contains(authz.substring(7));
                return new MockResponse.Builder().code(ok ? 200 : 401).body(ok ? "upstream-ok" : "bad token").build();
            }
        };
        try (MockWebServer as = new MockWebServer(); LocalUpstream upstream = LocalUpstream.start(work, killsOnFirstToken)) {
            as.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest r) {
                    return token(r);
                }
            });
            as.start();
            String first = "rt-initial";
            refreshTokens.add(first);
            KeywayJar.Server server = kw.startServer(data, "0", upstream.serverArgs());
            running.set(server);
            Path rtFile = work.resolve("refresh-token");
            Files.writeString(rtFile, first + "\n");
            kw.cli(LocalUpstream.cli(server, data, "credential", "oauth", "TOK", "--grant", "refresh_token", "--token-url",
                    "http://127.0.0.1:" + as.getPort() + "/token", "--client-id", "app", "--refresh-token-file", rtFile.toString()))
                    .ok();
            Files.delete(rtFile);
            kw.cli(LocalUpstream.cli(server, data, "service", "add", "up", "--host", "localhost:" + upstream.port(), "--bearer",
                    "TOK", "--allow-private")).ok();
            String token = kw.cli(LocalUpstream.cli(server, data, "token", "create", "--ttl", "24h")).ok().out().strip();
            Path ca = work.resolve("keyway-ca.pem");
            Files.writeString(ca, kw.cli(LocalUpstream.cli(server, data, "ca", "export")).ok().out());

            curl(server, token, ca, upstream.port()); // the server dies while the upstream holds this request
            assertThat(server.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.process().exitValue()).as("SIGKILL").isEqualTo(137);
            assertThat(killed).isTrue();
            assertThat(upstreamSeen).singleElement().asString().startsWith("Bearer at-");
            assertThat(refreshTokens).as("the authorization server rotated: the initial token is revoked")
                    .doesNotContain(first).hasSize(1);

            KeywayJar.Server restarted = kw.startServer(data, "1", upstream.serverArgs());
            running.set(restarted);
            String out = curl(restarted, token, ca, upstream.port());
            assertThat(out).as("after the restart the rotated refresh token mints a new access token: " + out)
                    .contains("upstream-ok").doesNotContain("invalid_grant");
            assertThat(tokenCalls).as("the second exchange used the rotated refresh token").hasSize(2)
                    .last().asString().isNotEqualTo(first);
            KeywayJar.stop(restarted, false);
        }
    }

    static String curl(KeywayJar.Server s, String token, Path ca, int upstreamPort) throws Exception {
        String proxy = s.proxy().startsWith("http") ? s.proxy() : "http://" + s.proxy();
        ProcessBuilder pb = new ProcessBuilder("curl", "-sS", "--max-time", "60", "--proxy", proxy, "--proxy-user",
                token + ":default", "--cacert", ca.toString(), "https://localhost:" + upstreamPort + "/x")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
        Process p = pb.start();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
