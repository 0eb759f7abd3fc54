package dev.keyway.server.cluster;

import static dev.keyway.server.cluster.ClusterNodes.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.auth.SignInThrottle;
import dev.keyway.server.cluster.ClusterNodes.Node;
import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresUrl;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web console and sign-in on two nodes of one PostgreSQL database, as a load balancer that
 * switches nodes between two clicks sees them (issue 11): one sign-in budget per client address
 * for the whole cluster, one first-run setup code valid on every node and consumed once, and a
 * session with its CSRF token made on one node working on the other. Each test starts its own two
 * nodes on a fresh database (the throttle and first run are database-wide state).
 */
class ClusterConsoleTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    static final String OWNER = "owner@example.com";
    static final String PASSWORD = "owner-password-123";

    @TempDir
    Path dir;

    final List<Node> nodes = new ArrayList<>();

    Node[] twoNodes() throws Exception {
        return twoNodes(java.time.Clock.systemUTC());
    }

    Node[] twoNodes(java.time.Clock clock) throws Exception {
        PostgresUrl db = PG.newDatabase();
        Node a = ClusterNodes.start(dir.resolve("a"), ClusterConfig.postgres(db, "node-a"), ClusterNodes.PASSWORD, clock);
        nodes.add(a);
        Node b = ClusterNodes.start(dir.resolve("b"), ClusterConfig.postgres(db, "node-b"), ClusterNodes.PASSWORD, clock);
        nodes.add(b);
        return new Node[] {a, b};
    }

    @AfterEach
    void stop() {
        for (Node n : nodes.reversed()) {
            try {
                n.close();
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
    }

    /** A browser-like client whose requests a "balancer" (the test) sends to either node: keeps cookies, never follows redirects. */
    static final class Web {
        final Map<String, String> cookies = new ConcurrentHashMap<>();
        final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();

        HttpResponse<String> get(Node via, String path) throws Exception {
            return send(HttpRequest.newBuilder(URI.create(via.base() + path)).GET());
        }

        HttpResponse<String> post(Node via, String path, Map<String, String> form) throws Exception {
            String body = form.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
            return send(HttpRequest.newBuilder(URI.create(via.base() + path)).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
            if (!cookies.isEmpty()) {
                b.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
            }
            HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            for (String c : r.headers().allValues("set-cookie")) {
                String[] kv = c.split(";", 2)[0].split("=", 2);
                if (c.contains("Max-Age=0")) {
                    cookies.remove(kv[0]);
                } else {
                    cookies.put(kv[0], kv[1]);
                }
            }
            return r;
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String csrf(String html) {
        Matcher m = CSRF.matcher(html);
        assertThat(m.find()).as("page has a CSRF field: %s", html).isTrue();
        return m.group(1);
    }

    static Map<String, String> setupForm(String csrf, String code, String email) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("csrf", csrf);
        f.put("setup_code", code);
        f.put("email", email);
        f.put("password", PASSWORD);
        f.put("password2", PASSWORD);
        return f;
    }

    static HttpResponse<String> apiLogin(Node via, String password) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(via.base() + "/v1/auth/login")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + OWNER + "\",\"password\":\"" + password + "\"}")).build();
        try (HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build()) {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        }
    }

    static void createOwner(Node via) throws Exception {
        ok(via.call("POST", "/v1/setup", "{\"email\":\"" + OWNER + "\",\"password\":\"" + PASSWORD + "\"}"));
    }

    static int users(Node via) throws Exception {
        return JSON.readTree(ok(via.call("GET", "/v1/users", null))).get("users").size();
    }

    /**
     * Wrong passwords spread over both nodes hit the limit at the same count as on one node
     * ({@code SignInThrottleTest} shows the single-node count): the budget is in the database, not
     * per node. Before, each node counted on its own and two nodes allowed twice the guesses.
     */
    @Test
    void failedSignInsSpreadOverTwoNodesShareOneBudget() throws Exception {
        // frozen: no attempt refills while the test runs, however slow the machine (both nodes read the same clock)
        Node[] ab = twoNodes(new dev.keyway.core.testing.MutableClock(java.time.Instant.now()));
        createOwner(ab[0]);
        long budget = SignInThrottle.DEFAULT.requests();
        for (int i = 0; i < budget; i++) {
            HttpResponse<String> r = apiLogin(ab[i % 2], "wrong password " + i);
            assertThat(r.statusCode()).as("attempt %d through %s: %s", i + 1, ab[i % 2].base(), r.body()).isEqualTo(401);
        }
        for (Node n : ab) {
            HttpResponse<String> r = apiLogin(n, "wrong password again");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(JSON.readTree(r.body()).get("type").asString()).endsWith("/rate-limited");
            assertThat(r.headers().firstValue("retry-after")).isPresent();
            assertThat(r.body()).doesNotContain("wrong password");
        }
        // the right password is throttled too (it is the attempt, not the outcome, that waits) ...
        assertThat(apiLogin(ab[1], PASSWORD).statusCode()).isEqualTo(429);
        // ... and the console's sign-in page answers with the same refusal on either node
        Web w = new Web();
        String token = csrf(w.get(ab[1], "/login").body());
        HttpResponse<String> page = w.post(ab[1], "/login", Map.of("csrf", token, "email", OWNER, "password", "x"));
        assertThat(page.statusCode()).isEqualTo(429);
        assertThat(page.body()).contains("too many login attempts");
        assertThat(w.cookies).doesNotContainKey("kw_session");
    }

    /** One code for the cluster: printed by the first node, accepted by the second, dead everywhere once the owner exists. */
    @Test
    void theSetupCodeOfOneNodeWorksOnAnotherAndOnlyOnce() throws Exception {
        Node[] ab = twoNodes();
        Path fileA = ab[0].dataDir().resolve("setup-code");
        Path fileB = ab[1].dataDir().resolve("setup-code");
        assertThat(fileA).exists();
        assertThat(fileB).as("the second node adopts the first node's code instead of making its own").doesNotExist();
        String code = Files.readString(fileA).strip();

        Web stranger = new Web();
        HttpResponse<String> wrong = stranger.post(ab[1], "/setup", setupForm(csrf(stranger.get(ab[1], "/setup").body()),
                "AAAA-BBBB-CCCC-DDDD", "mallory@example.com"));
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.body()).contains("not the setup code");

        Web operator = new Web();
        HttpResponse<String> r = operator.post(ab[1], "/setup", setupForm(csrf(operator.get(ab[1], "/setup").body()),
                code.toLowerCase(java.util.Locale.ROOT), OWNER));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        assertThat(r.headers().firstValue("location")).hasValue("/vaults");
        assertThat(operator.cookies).containsKey("kw_session");
        assertThat(users(ab[0])).isEqualTo(1);

        // replaying the code on the node that printed it creates nothing, and that node drops its file
        Web replay = new Web();
        HttpResponse<String> again = replay.post(ab[0], "/setup", setupForm(csrf(replay.get(ab[0], "/login").body()), code,
                "second@example.com"));
        assertThat(again.statusCode()).isEqualTo(303);
        assertThat(again.headers().firstValue("location")).hasValue("/login");
        assertThat(replay.cookies).doesNotContainKey("kw_session");
        assertThat(users(ab[0])).isEqualTo(1);
        assertThat(fileA).doesNotExist();
    }

    /**
     * Two people claiming the instance at the same moment on two nodes: exactly one owner, exactly
     * one of them signed in. Both with the one setup code, and the code against node B's local
     * admin token (which B accepted before this change too: without the owner check inside the
     * owner's transaction both became owners).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void twoNodesRacingToClaimTheInstanceMakeExactlyOneOwner(boolean secondUsesTheAdminToken) throws Exception {
        Node[] ab = twoNodes();
        String code = Files.readString(ab[0].dataDir().resolve("setup-code")).strip();
        Web[] people = {new Web(), new Web()};
        List<Map<String, String>> forms = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String proof = i == 1 && secondUsesTheAdminToken ? ab[1].adminToken() : code;
            forms.add(setupForm(csrf(people[i].get(ab[i], "/setup").body()), proof, "person" + i + "@example.com"));
        }
        CyclicBarrier go = new CyclicBarrier(2);
        List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
        // one thread each (the common pool may have a single thread on a 2-core machine: the barrier would never trip)
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        for (int i = 0; i < 2; i++) {
            int n = i;
            posts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await(30, TimeUnit.SECONDS);
                    return people[n].post(ab[n], "/setup", forms.get(n));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, two));
        }
        two.shutdown();
        int signedIn = 0;
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = posts.get(i).get(60, TimeUnit.SECONDS);
            if (people[i].cookies.containsKey("kw_session")) {
                signedIn++;
                assertThat(r.statusCode()).isEqualTo(303);
                assertThat(r.headers().firstValue("location")).hasValue("/vaults");
            } else {
                // the loser lost at the owner check (redirected away) or found the code already dead (403)
                assertThat(r.statusCode()).as(r.body()).isIn(303, 403);
                assertThat(r.headers().firstValue("location")).isNotEqualTo(java.util.Optional.of("/vaults"));
            }
        }
        assertThat(signedIn).isEqualTo(1);
        JsonNode list = JSON.readTree(ok(ab[1].call("GET", "/v1/users", null))).get("users");
        assertThat(list.size()).as("exactly one owner: %s", list).isEqualTo(1);
        assertThat(list.get(0).get("role").asString()).isEqualTo("owner");
    }

    /**
     * Sign in through node A, then the balancer sends every following click to node B: B knows the
     * session at once, accepts the CSRF token of a form A rendered, performs the POST, and A shows
     * the result.
     */
    @Test
    void aSessionAndItsCsrfTokenFromOneNodeWorkOnTheOther() throws Exception {
        Node[] ab = twoNodes();
        createOwner(ab[0]);
        Web w = new Web();
        String pre = csrf(w.get(ab[0], "/login").body());
        HttpResponse<String> in = w.post(ab[0], "/login", Map.of("csrf", pre, "email", OWNER, "password", PASSWORD));
        assertThat(in.statusCode()).as(in.body()).isEqualTo(303);
        assertThat(w.cookies).containsKey("kw_session");
        String formOfA = csrf(w.get(ab[0], "/vaults").body()); // the page with the form came from A

        HttpResponse<String> created = w.post(ab[1], "/vaults", Map.of("csrf", formOfA, "name", "made-on-b", "unmatched", "deny"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(303);
        assertThat(created.headers().firstValue("location")).hasValueSatisfying(l -> assertThat(l).startsWith("/vaults/made-on-b"));
        HttpResponse<String> onA = w.get(ab[0], "/vaults");
        assertThat(onA.statusCode()).isEqualTo(200);
        assertThat(onA.body()).contains("made-on-b");

        // a forged POST (no token) is refused on B as on A
        HttpResponse<String> forged = w.post(ab[1], "/vaults", Map.of("name", "forged", "unmatched", "deny"));
        assertThat(forged.statusCode()).isEqualTo(403);
        // signing out through B ends the session on A too
        HttpResponse<String> out = w.post(ab[1], "/logout", Map.of("csrf", csrf(w.get(ab[1], "/vaults").body())));
        assertThat(out.headers().firstValue("location")).hasValue("/login?done=signed-out");
        Web replay = new Web();
        replay.cookies.putAll(Map.of("kw_session", in.headers().allValues("set-cookie").stream()
                .filter(c -> c.startsWith("kw_session=")).findFirst().orElseThrow().split(";", 2)[0].split("=", 2)[1]));
        assertThat(ClusterNodes.await(Duration.ofSeconds(5), () -> {
            try {
                return replay.get(ab[0], "/vaults").statusCode() == 303;
            } catch (Exception e) {
                return false;
            }
        })).as("the session signed out through B is refused by A").isTrue();
    }
}
