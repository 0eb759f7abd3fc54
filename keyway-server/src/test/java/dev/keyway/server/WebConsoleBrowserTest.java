package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
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
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator's day in headless Chromium against a real server: first run with the setup code,
 * sign-in, a vault, a credential (write-only), a service from a template (and validation as you
 * type), an agent with its connect snippet copied, the agent's proposal opened from its approval
 * link and approved in the browser, the agent's next request through the proxy (real curl, local
 * HTTPS upstream) succeeding and appearing on the live traffic page within 2 s, audit, settings
 * (webhook test), CSRF rejection and vault deletion. No page ever contains a credential value.
 * Screenshots of the main pages go to target/screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebConsoleBrowserTest {
    static final String SECRET = "sk-ui-canary-3f9a1c7e5d20";
    static final String SECRET2 = "sk-ui-approved-8b2e4d6f91";
    static final String EMAIL = "owner@example.com";
    static final String PASSWORD = "correct-horse-battery";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    MockWebServer upstream;
    MockWebServer hookReceiver;
    TestServer ts;
    Browser b;
    String base;
    String agentToken;
    final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();

    @BeforeAll
    void start() throws Exception {
        b = new Browser(Path.of("target", "screenshots"));
        HttpsUpstream https = HttpsUpstream.start(dir);
        upstream = https.server();
        hookReceiver = new MockWebServer();
        hookReceiver.start();
        ts = TestServer.start(https.keywayConfig(dir.resolve("data")));
        base = ts.base();
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
            upstream.close();
            hookReceiver.close();
        }
    }

    @Test
    @Order(1)
    void firstRunCreatesTheOwnerWithTheSetupCode() throws Exception {
        Path codeFile = dir.resolve("data/setup-code");
        String code = Files.readString(codeFile).strip();
        b.get(base + "/");
        assertThat(b.driver.getCurrentUrl()).endsWith("/setup");
        b.screenshot("01-first-run");
        b.type("input[name=setup_code]", "AAAA-BBBB-CCCC-DDDD");
        b.type("input[name=email]", EMAIL);
        b.type("input[name=password]", PASSWORD);
        b.type("input[name=password2]", PASSWORD);
        b.submit("form button[type=submit]");
        assertThat(b.visible("[data-error-for=setup_code]").getText()).contains("not the setup code");
        assertThat(b.find("input[name=email]").getAttribute("value")).isEqualTo(EMAIL);
        assertThat(b.find("input[name=password]").getAttribute("value")).isEmpty();

        b.type("input[name=setup_code]", code.toLowerCase());
        b.type("input[name=password]", PASSWORD);
        b.type("input[name=password2]", PASSWORD);
        b.submit("form button[type=submit]");
        assertThat(b.driver.getCurrentUrl()).endsWith("/vaults");
        assertThat(b.find("header .me").getText()).contains(EMAIL);
        assertThat(codeFile).doesNotExist();
        b.get(base + "/setup");
        assertThat(b.driver.getCurrentUrl()).doesNotContain("/setup");
    }

    @Test
    @Order(2)
    void signOutAndSignIn() throws Exception {
        b.submit("header form[action='/logout'] button");
        assertThat(b.driver.getCurrentUrl()).contains("/login");
        assertThat(b.find(".notice.ok").getText()).contains("signed out");
        b.get(base + "/vaults");
        assertThat(b.driver.getCurrentUrl()).contains("/login?next=%2Fvaults");
        b.type("input[name=email]", EMAIL);
        b.type("input[name=password]", "wrong-password-123");
        b.submit("form button[type=submit]");
        assertThat(b.find(".notice.error").getText()).contains("wrong e-mail or password");
        b.type("input[name=password]", PASSWORD);
        b.screenshot("02-sign-in");
        b.submit("form button[type=submit]");
        assertThat(b.driver.getCurrentUrl()).endsWith("/vaults");
    }

    @Test
    @Order(3)
    void createVaultAndAddACredential() throws Exception {
        b.type("#new-vault input[name=name]", "Bad Name");
        b.submit("#new-vault button[type=submit]");
        assertThat(b.visible("[data-error-for=name]").getText()).contains("invalid vault name");
        b.type("#new-vault input[name=name]", "team");
        b.submit("#new-vault button[type=submit]");
        assertThat(b.driver.getCurrentUrl()).endsWith("/vaults/team/credentials?done=vault-created");

        b.type("#new-credential input[name=name]", "UP_KEY");
        b.type("#new-credential input[name=description]", "key for the local upstream");
        b.type("#new-credential input[name=value]", SECRET);
        b.submit("#new-credential button[type=submit]");
        assertThat(b.find(".notice.ok").getText()).contains("Credential saved");
        assertThat(b.find("tr[data-credential=UP_KEY]").getText()).contains("key for the local upstream").contains("user:" + EMAIL);
        assertThat(b.record()).doesNotContain(SECRET);
        b.screenshot("04-credentials");
        b.get(base + "/vaults");
        assertThat(b.find("table.list").getText()).contains("team");
        b.screenshot("03-vaults");
    }

    @Test
    @Order(4)
    void addServiceFromTemplateAndValidateAsYouType() throws Exception {
        b.get(base + "/vaults/team/services");
        new Select(b.find("#template select[name=template]")).selectByValue("openai");
        b.submit("#template button[type=submit]");
        assertThat(b.find(".notice.ok").getText()).contains("Service saved");
        assertThat(b.find("tr[data-service=openai]").getText()).contains("api.openai.com").contains("bearer").contains("OPENAI_API_KEY");
        b.submit("tr[data-service=openai] button.toggle");
        assertThat(b.find("tr[data-service=openai] button.toggle").getText()).isEqualTo("Off");
        b.submit("tr[data-service=openai] button.toggle");
        assertThat(b.find("tr[data-service=openai] button.toggle").getText()).isEqualTo("On");

        // validate as you type: the same rules as the API, the error next to the field
        b.find("#scratch input[name=name]").sendKeys("local");
        b.find("#scratch input[name=host]").sendKeys("10.0.0.1");
        WebElement err = b.visible("#scratch [data-error-for=host]");
        assertThat(err.getText()).contains("is an IP address");
        b.find("#scratch input[name=allow_private]").click();
        b.waitFor(Duration.ofSeconds(5)).until(ExpectedConditions.invisibilityOf(err));
        b.find("#scratch input[name=credential]").sendKeys("lower");
        assertThat(b.visible("#scratch [data-error-for=credential]").getText()).contains("is not a credential name");
        // and on submit, server-side
        b.submit("#scratch button[type=submit]");
        assertThat(b.visible("#scratch [data-error-for=credential]").getText()).contains("is not a credential name");
        assertThat(b.find("#scratch input[name=host]").getAttribute("value")).isEqualTo("10.0.0.1");
        b.screenshot("05-services");
    }

    @Test
    @Order(5)
    void createAgentAndCopyItsSnippet() throws Exception {
        b.get(base + "/vaults/team/agents");
        b.type("#new-agent input[name=name]", "bot");
        b.driver.executeCdpCommand("Browser.grantPermissions", Map.of("origin", base,
                "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
        b.submit("#new-agent button[type=submit]");
        String snippet = b.find("#snippet").getText();
        assertThat(snippet).contains("export KEYWAY_ADDR=" + base).contains("export KEYWAY_VAULT=team").contains("keyway run -- ");
        Matcher m = Pattern.compile("KEYWAY_TOKEN=(kw_agt_\\S+)").matcher(snippet);
        assertThat(m.find()).isTrue();
        agentToken = m.group(1);
        b.find("button[data-copy]").click();
        assertThat(b.visible(".copied").getText()).isEqualTo("Copied to the clipboard.");
        Object clip = b.driver.executeAsyncScript("var done = arguments[0]; navigator.clipboard.readText().then(done, function () { done(null); });");
        assertThat(clip).isEqualTo(b.find("#snippet").getAttribute("textContent"));
        b.screenshot("06-agent-token");
        b.get(base + "/vaults/team/agents");
        assertThat(b.find("tr[data-agent=bot]").getText()).contains("proxy");
        assertThat(b.record()).doesNotContain(agentToken);

        // a scoped token with a TTL preset, then revoked
        b.type("#new-token input[name=display_name]", "ci-nightly");
        new Select(b.find("#new-token select[name=ttl]")).selectByValue("15m");
        b.submit("#new-token button[type=submit]");
        assertThat(b.find("#snippet").getText()).contains("KEYWAY_TOKEN=kw_tok_");
        b.get(base + "/vaults/team/agents");
        WebElement tokenRow = b.find("tr[data-token]");
        assertThat(tokenRow.getText()).contains("ci-nightly").contains("user:" + EMAIL);
        b.submit(tokenRow.findElement(By.cssSelector("button")), true);
        assertThat(b.find(".notice.ok").getText()).contains("Token revoked");
        assertThat(b.findAll("tr[data-token]")).isEmpty();
    }

    @Test
    @Order(6)
    void agentProposesAndTheOwnerApprovesFromTheApprovalLink() throws Exception {
        String body = """
                {"services":[{"name":"upstream","host":"localhost:%d","allow_private":true,"methods":["GET"],"paths":["/v1/**"],
                 "inject":{"bearer":"UP_KEY"}}],
                 "credentials":[{"name":"EXTRA_KEY","description":"second key the agent needs"}],
                 "message":"I need to list models on the local upstream"}""".formatted(upstream.getPort());
        HttpResponse<String> r = ts.call("POST", "/v1/proposals", body, agentToken);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode created = JSON.readTree(r.body());
        assertThat(created.get("flags").toString()).contains("existing-credential-new-host");
        String id = created.get("id").asString();

        b.get(created.get("approval_url").asString());
        assertThat(b.visible("#proposal .flag-new-host").getText()).contains("UP_KEY").contains("localhost:" + upstream.getPort());
        assertThat(b.driver.getCurrentUrl()).doesNotContain("#kw_apr_");
        b.screenshot("07-approval-link");
        b.submit("#proposal a.button-link");
        assertThat(b.driver.getCurrentUrl()).endsWith("/proposals/" + id);
        assertThat(b.find(".flag-new-host").getText()).contains("existing credential UP_KEY");
        assertThat(b.find("#proposed-services").getText()).contains("upstream").contains("new service");
        assertThat(b.find(".main-nav .count").getText()).isEqualTo("1");
        b.type("#approve input[name='cred.EXTRA_KEY']", SECRET2);
        b.screenshot("08-proposal-review");
        b.submit("#approve button[type=submit]");
        assertThat(b.find(".notice.ok").getText()).contains("approved");
        assertThat(b.find("h1 .badge").getText()).isEqualTo("approved");
        b.get(base + "/proposals?status=all");
        assertThat(b.find("tr[data-proposal='" + id + "']").getText()).contains("approved").contains("agent:bot");
        b.screenshot("09-proposals");
        b.get(base + "/vaults/team/credentials");
        assertThat(b.find("tr[data-credential=EXTRA_KEY]").getText()).contains("second key");
    }

    @Test
    @Order(7)
    void theAgentsNextRequestSucceedsAndShowsUpLiveOnTheTrafficPage() throws Exception {
        b.get(base + "/traffic");
        b.waitFor(Duration.ofSeconds(5)).until(ExpectedConditions.textToBe(By.id("live"), "live"));
        int before = b.findAll("#traffic tbody tr").size();
        upstream.enqueue(new MockResponse.Builder().body("{\"models\":[]}").build());
        Curl.Result c = Curl.run("-sS", "--max-time", "30", "--proxy", "http://" + agentToken + ":team@127.0.0.1:" + ts.server.proxyPort(),
                "--cacert", dir.resolve("data/ca.pem").toString(), "https://localhost:" + upstream.getPort() + "/v1/models");
        assertThat(c.exit()).as(c.err()).isZero();
        assertThat(c.out()).isEqualTo("{\"models\":[]}");
        RecordedRequest seen = upstream.takeRequest(10, TimeUnit.SECONDS);
        assertThat(seen.getHeaders().get("Authorization")).isEqualTo("Bearer " + SECRET);

        long t0 = System.nanoTime();
        WebElement row = b.waitFor(Duration.ofSeconds(2)).until(ExpectedConditions.visibilityOfElementLocated(
                By.xpath("//table[@id='traffic']/tbody/tr[td[6][normalize-space()='upstream']]")));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(b.findAll("#traffic tbody tr")).hasSizeGreaterThan(before);
        assertThat(row.getText()).contains("/v1/models").contains("200").contains("agent:bot");
        b.screenshot("10-traffic");
        row.click();
        String drawer = b.visible("#drawer").getText();
        assertThat(drawer).contains("Matched service").contains("upstream").contains("Credential injected").contains("true")
                .contains("UP_KEY").doesNotContain(SECRET);
        b.screenshot("10b-traffic-drawer");
        b.find("#drawer-close").click();
        b.get(base + "/traffic?status=4xx");
        assertThat(b.findAll("#traffic tbody tr td:nth-child(6)").stream().map(WebElement::getText)).doesNotContain("upstream");
        assertThat(b.record()).doesNotContain(SECRET);

        // a host no service covers (nothing listens on port 9): it shows up as a "discovered host"
        Curl.Result other = Curl.run("-sS", "--max-time", "30", "--proxy", "http://" + agentToken + ":team@127.0.0.1:" + ts.server.proxyPort(),
                "-o", "/dev/null", "-w", "%{http_code}", "http://localhost:9/status");
        assertThat(other.out()).isEqualTo("502");
        b.get(base + "/vaults/team/services");
        assertThat(b.visible("#discovered").getText()).contains("localhost:9");
    }

    @Test
    @Order(8)
    void auditAndSettings() throws Exception {
        b.get(base + "/audit");
        String audit = b.find("#audit").getText();
        assertThat(audit).contains("credential.set").contains("agent.create").contains("proposal.approve").contains("vault.create");
        b.screenshot("11-audit");

        b.get(base + "/settings");
        b.type("#new-webhook input[name=url]", "http://localhost:" + hookReceiver.getPort() + "/hook");
        b.submit("#new-webhook button[type=submit]");
        assertThat(b.find(".notice.ok").getText()).contains("Webhook added");
        hookReceiver.enqueue(new MockResponse.Builder().code(204).build());
        b.submit("#webhooks button.link");
        assertThat(b.find(".notice.ok").getText()).contains("Test notification sent");
        assertThat(hookReceiver.takeRequest(5, TimeUnit.SECONDS)).isNotNull();
        new Select(b.find("#defaults select[name=unmatched]")).selectByValue("deny");
        b.submit("#defaults button[type=submit]");
        assertThat(b.find(".notice.ok").getText()).contains("Defaults saved");
        b.screenshot("12-settings");
    }

    @Test
    @Order(9)
    void aFormWithoutItsCsrfTokenIsRejected() throws Exception {
        b.get(base + "/vaults");
        b.driver.executeScript("document.querySelector('#new-vault input[name=csrf]').remove()");
        b.type("#new-vault input[name=name]", "forged");
        b.submit("#new-vault button[type=submit]");
        assertThat(b.find("h1").getText()).isEqualTo("Request rejected");
        assertThat(ts.call("GET", "/v1/vaults/forged", null).statusCode()).isEqualTo(404);

        // the same with the browser's own cookie but no (or a wrong) token, over plain HTTP: 403, nothing created
        String cookie = "kw_session=" + b.driver.manage().getCookieNamed("kw_session").getValue();
        for (String form : List.of("name=forged2", "name=forged2&csrf=AAAA")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/vaults")).header("Cookie", cookie)
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).contains("Request rejected");
        }
        assertThat(ts.call("GET", "/v1/vaults/forged2", null).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(10)
    void darkModeAndDeletingAVaultNeedsItsNameTyped() throws Exception {
        b.darkMode(true);
        b.get(base + "/vaults/team/services");
        b.screenshot("13-services-dark");
        b.darkMode(false);

        b.get(base + "/vaults");
        b.type("#new-vault input[name=name]", "scratch");
        b.submit("#new-vault button[type=submit]");
        b.get(base + "/vaults/scratch/danger");
        WebElement button = b.find(".danger-zone button[type=submit]");
        assertThat(button.isEnabled()).isFalse();
        b.find("input[name=confirm]").sendKeys("scratch");
        assertThat(button.isEnabled()).isTrue();
        b.submit(".danger-zone button[type=submit]");
        assertThat(b.find(".notice.ok").getText()).contains("Vault deleted");
        assertThat(ts.call("GET", "/v1/vaults/scratch", null).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(11)
    void rotateAndRevokeAnAgentAndDisableAUser() throws Exception {
        String first = JSON.readTree(ts.call("POST", "/v1/agents", "{\"name\":\"temp\",\"vaults\":[{\"vault\":\"team\"}]}").body())
                .get("token").asString();
        assertThat(whoami(first)).isEqualTo(200);
        b.get(base + "/vaults/team/agents");
        b.submit(b.find("tr[data-agent=temp] form[action$='/rotate'] button"), true);
        Matcher m = Pattern.compile("KEYWAY_TOKEN=(kw_agt_\\S+)").matcher(b.find("#snippet").getText());
        assertThat(m.find()).isTrue();
        String rotated = m.group(1);
        assertThat(rotated).isNotEqualTo(first);
        assertThat(whoami(first)).as("the old token dies at once").isEqualTo(401);
        assertThat(whoami(rotated)).isEqualTo(200);

        b.get(base + "/vaults/team/agents");
        b.submit(b.find("tr[data-agent=temp] form[action$='/revoke'] button"), true);
        assertThat(b.find(".notice.ok").getText()).contains("Agent revoked");
        assertThat(b.find("tr[data-agent=temp]").getAttribute("data-revoked")).isNotNull();
        assertThat(whoami(rotated)).isEqualTo(401);

        // someone leaves the team: the owner disables their account on the settings page
        ts.call("POST", "/v1/users", "{\"email\":\"carol@example.com\",\"password\":\"" + PASSWORD + "\"}");
        String carol = JSON.readTree(ts.call("POST", "/v1/auth/login",
                "{\"email\":\"carol@example.com\",\"password\":\"" + PASSWORD + "\"}", null).body()).get("token").asString();
        assertThat(whoami(carol)).isEqualTo(200);
        b.get(base + "/settings");
        b.submit(b.find("tr[data-user='carol@example.com'] button"), true);
        assertThat(b.find(".notice.ok").getText()).contains("User disabled");
        assertThat(b.find("tr[data-user='carol@example.com']").getText()).contains("disabled").contains("Enable");
        assertThat(whoami(carol)).isEqualTo(401);
        b.screenshot("14-settings-users");
        // the owner cannot lock the instance out: disabling the only owner is refused next to the table
        b.submit(b.find("tr[data-user='" + EMAIL + "'] button"), true);
        assertThat(b.find(".notice.error").getText()).contains("only enabled owner");
        b.get(base + "/settings");
        b.submit(b.find("tr[data-user='carol@example.com'] button"), false);
        assertThat(b.find(".notice.ok").getText()).contains("User enabled");
    }

    private int whoami(String token) throws Exception {
        return ts.call("GET", "/v1/auth/whoami", null, token).statusCode();
    }

    @Test
    @Order(12)
    void noPageEverContainedACredentialValue() {
        assertThat(b.sources).hasSizeGreaterThan(20);
        for (String page : b.sources) {
            assertThat(page).doesNotContain(SECRET).doesNotContain(SECRET2);
        }
    }
}
