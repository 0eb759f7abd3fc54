package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import tools.jackson.databind.json.JsonMapper;

/**
 * The approvals page in headless Chromium (issue 12 §3): the owner has the page open; a
 * {@code curl -X POST} through the proxy is held, its row appears on the open page without a reload,
 * the owner clicks Approve and curl completes with the credential injected upstream; a second held
 * request is denied with a reason and curl gets 403 {@code approval-denied} carrying it. The upstream
 * records each request before answering; no page ever contains the credential. Screenshots go to
 * target/screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApprovalConsoleBrowserTest {
    static final String SECRET = "sk-approval-ui-canary-61d0c2";
    static final String EMAIL = "owner@example.com";
    static final String PASSWORD = "correct-horse-battery";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    HttpsUpstream https;
    TestServer ts;
    Browser b;
    String proxyUrl;
    /** "METHOD target authorization" of every request the upstream received, recorded before it answers. */
    final List<String> upstreamSeen = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws Exception {
        b = new Browser(Path.of("target", "screenshots"));
        https = HttpsUpstream.start(dir);
        https.server().setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                upstreamSeen.add(r.getMethod() + " " + r.getTarget() + " " + r.getHeaders().get("Authorization"));
                return new MockResponse.Builder().code(200).body("upstream-ok").build();
            }
        });
        ts = TestServer.start(https.keywayConfig(dir.resolve("data")));
        ok(ts.call("POST", "/v1/setup", "{\"email\":\"" + EMAIL + "\",\"password\":\"" + PASSWORD + "\"}"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/UP_KEY", "{\"value\":\"" + SECRET + "\"}"));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"deploys","host":"localhost:%d","allow_private":true,"inject":{"bearer":"UP_KEY"},
                 "approval":{"methods":["POST"],"timeout":"120s"}}""".formatted(https.server().getPort())));
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}")))
                .get("token").asString();
        proxyUrl = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (b != null) {
                b.close();
            }
        } finally {
            if (ts != null) {
                ts.close();
            }
            https.close();
        }
    }

    static String ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    /** curl -X POST through the proxy, started in the background: it waits while the request is held. */
    CompletableFuture<Curl.Result> heldCurl(String path) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Curl.run("-sS", "-i", "--suppress-connect-headers", "--max-time", "60", "--proxy", proxyUrl, "--cacert", dir.resolve("data/ca.pem").toString(),
                        "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "{\"ref\":\"main\"}",
                        "https://localhost:" + https.server().getPort() + path);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Waits, on the open page and without reloading it, for the held request's row; returns it. */
    WebElement liveRow(String path) {
        return b.waitFor(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.xpath("//table[@id='approvals']/tbody/tr[td[5][contains(normalize-space(), '" + path + "')]]")));
    }

    @Test
    @Order(1)
    void signIn() {
        b.get(ts.base() + "/login");
        b.type("input[name=email]", EMAIL);
        b.type("input[name=password]", PASSWORD);
        b.submit("form button[type=submit]");
        assertThat(b.driver.getCurrentUrl()).doesNotContain("/login");
    }

    @Test
    @Order(2)
    void heldRequestAppearsLiveAndIsApprovedWithAClick() throws Exception {
        b.get(ts.base() + "/approvals");
        assertThat(b.find("#approvals-live").getText()).contains("No requests waiting");
        b.driver.executeScript("window.__keywaySamePage = true;");

        CompletableFuture<Curl.Result> curl = heldCurl("/deploy/prod");
        WebElement row = liveRow("/deploy/prod");
        assertThat(b.driver.executeScript("return window.__keywaySamePage === true;"))
                .as("the row arrived on the open page, not by a reload").isEqualTo(true);
        assertThat(row.getText()).contains("deploys").contains("POST").contains("/deploy/prod");
        assertThat(curl).as("curl simply waits").isNotDone();
        assertThat(upstreamSeen).as("nothing forwarded before the approval").isEmpty();
        b.screenshot("approvals-01-held");

        b.submit(row.findElement(By.cssSelector("form[action$='/approve'] button")), false);
        assertThat(b.find("#approvals-live").getText()).doesNotContain("/deploy/prod");

        Curl.Result r = curl.get(60, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).matches("(?s)HTTP/\\S+ 200 .*").contains("upstream-ok").doesNotContain(SECRET);
        assertThat(upstreamSeen).containsExactly("POST /deploy/prod Bearer " + SECRET);
        JsonMapper m = JSON;
        var approvals = m.readTree(ok(ts.call("GET", "/v1/approvals?vault=default", null))).get("approvals");
        assertThat(approvals.get(0).get("state").asString()).isEqualTo("approved");
        assertThat(approvals.get(0).get("decided_by").asString()).contains(EMAIL);
    }

    @Test
    @Order(3)
    void heldRequestIsDeniedWithAReasonTheAgentSees() throws Exception {
        b.get(ts.base() + "/approvals");
        CompletableFuture<Curl.Result> curl = heldCurl("/deploy/friday");
        WebElement row = liveRow("/deploy/friday");
        WebElement reason = row.findElement(By.cssSelector("form[action$='/deny'] input[name=reason]"));
        reason.sendKeys("no deploys on Friday");
        b.screenshot("approvals-02-deny");
        b.submit(row.findElement(By.cssSelector("form[action$='/deny'] button")), false);

        Curl.Result r = curl.get(60, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).matches("(?s)HTTP/\\S+ 403 .*").containsIgnoringCase("Keyway-Error: approval-denied")
                .contains("no deploys on Friday").doesNotContain(SECRET);
        assertThat(upstreamSeen).as("the denied request never reached the upstream").noneMatch(s -> s.contains("/deploy/friday"));
        b.screenshot("approvals-03-after-deny");
        assertThat(b.sources).isNotEmpty().allSatisfy(page -> assertThat(page).doesNotContain(SECRET));
    }
}
