package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import dev.keyway.server.auth.SignInThrottle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sign-in throttle of a single node (SQLite): {@value #BUDGET_TEXT} failed attempts per client
 * address, then 429 {@code rate-limited} with {@code Retry-After}; a successful sign-in gives its
 * attempt back; the count is in the database, so a restart does not reset it. The cluster test
 * ({@code ClusterConsoleTest}) shows two nodes reach the limit at the same count.
 */
class SignInThrottleTest {
    static final String BUDGET_TEXT = "10";
    static final String OWNER = "owner@example.com";
    static final String PASSWORD = "owner-password-123";

    static HttpResponse<String> login(TestServer ts, String password) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(ts.base() + "/v1/auth/login")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + OWNER + "\",\"password\":\"" + password + "\"}")).build();
        try (HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build()) {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void failuresAreCountedInTheStoreAndSuccessesAreNot(@TempDir Path dir) throws Exception {
        long budget = SignInThrottle.DEFAULT.requests();
        assertThat(Long.toString(budget)).isEqualTo(BUDGET_TEXT);
        MutableClock clock = new MutableClock(Instant.now()); // frozen: the bucket refills only when the test says so
        ServerConfig cfg = ServerConfig.defaults(dir).withPorts(0, 0);
        try (TestServer ts = TestServer.start(cfg, clock)) {
            assertThat(ts.call("POST", "/v1/setup", "{\"email\":\"" + OWNER + "\",\"password\":\"" + PASSWORD + "\"}").statusCode())
                    .isEqualTo(201);
            for (int i = 0; i < budget - 1; i++) {
                assertThat(login(ts, "wrong password").statusCode()).as("failure %d", i + 1).isEqualTo(401);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(login(ts, PASSWORD).statusCode()).as("a successful sign-in does not use up the budget").isEqualTo(200);
            }
            assertThat(login(ts, "wrong password").statusCode()).as("failure %d", budget).isEqualTo(401);
        }
        try (TestServer ts = TestServer.start(cfg, clock)) { // a restart does not reset the count: it is in the database
            HttpResponse<String> r = login(ts, "wrong password");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(JsonMapper.builder().build().readTree(r.body()).get("type").asString()).endsWith("/rate-limited");
            assertThat(r.headers().firstValue("retry-after")).hasValue("6");
            assertThat(login(ts, PASSWORD).statusCode()).as("while refused, the right password waits too").isEqualTo(429);
            clock.advance(Duration.ofSeconds(6)); // one attempt refills every 6 s
            assertThat(login(ts, PASSWORD).statusCode()).isEqualTo(200);
            assertThat(login(ts, "wrong password").statusCode()).isEqualTo(401);
            assertThat(login(ts, "wrong password").statusCode()).isEqualTo(429);
        }
    }
}
