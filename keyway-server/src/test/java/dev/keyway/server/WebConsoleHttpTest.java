package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import tools.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console at the HTTP level (no browser): who may claim a fresh instance, cookie and
 * security headers, CSRF on the sign-in form, sign-out and password change ending sessions, the
 * API's authorization applying to console pages, and the traffic feed's visibility and SSE stream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebConsoleHttpTest {
    static final String OWNER = "root@example.com";
    static final String PASSWORD = "owner-password-123";
    static final String NEW_PASSWORD = "new-password-456";
    static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    @TempDir
    static Path dir;

    TestServer ts;
    /** Signed-in clients reused across steps: sign-in is rate-limited per address (10, then 1 per 6 s). */
    Web owner;
    Web member;

    @BeforeAll
    void start() throws Exception {
        ts = TestServer.start(dir.resolve("data"));
    }

    @AfterAll
    void stop() {
        ts.close();
    }

    /** A browser-like client: keeps cookies, never follows redirects. */
    final class Web {
        final Map<String, String> cookies = new LinkedHashMap<>();
        final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();

        HttpResponse<String> get(String path, String... headers) throws Exception {
            return send(HttpRequest.newBuilder(URI.create(ts.base() + path)).GET(), headers);
        }

        HttpResponse<String> post(String path, Map<String, String> form, String... headers) throws Exception {
            String body = form.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
            return send(HttpRequest.newBuilder(URI.create(ts.base() + path)).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)), headers);
        }

        /** GETs the page holding the form, then POSTs it with the page's CSRF token. */
        HttpResponse<String> submit(String page, String action, Map<String, String> form) throws Exception {
            Map<String, String> f = new LinkedHashMap<>(form);
            f.put("csrf", csrf(get(page).body()));
            return post(action, f);
        }

        private HttpResponse<String> send(HttpRequest.Builder b, String... headers) throws Exception {
            if (!cookies.isEmpty()) {
                b.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
            }
            for (int i = 0; i < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
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
        assertThat(m.find()).as("page has a CSRF field").isTrue();
        return m.group(1);
    }

    Map<String, String> setupForm(String code) {
        return Map.of("setup_code", code, "email", OWNER, "password", PASSWORD, "password2", PASSWORD);
    }

    @Test
    @Order(1)
    void aStrangerCannotClaimAFreshInstance() throws Exception {
        Web stranger = new Web();
        assertThat(stranger.get("/").headers().firstValue("location")).hasValue("/setup");
        HttpResponse<String> page = stranger.get("/setup");
        assertThat(page.statusCode()).isEqualTo(200);
        for (String guess : List.of("", "AAAA-BBBB-CCCC-DDDD", "kw_adm_notarealtoken")) {
            HttpResponse<String> r = stranger.submit("/setup", "/setup", setupForm(guess));
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).contains("not the setup code");
        }
        // without the pre-session cookie (a cross-site form) the form is refused outright
        HttpResponse<String> forged = new Web().post("/setup", Map.of("csrf", csrf(page.body()), "setup_code", "x"));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(ts.call("GET", "/v1/users", null).body()).isEqualTo("{\"users\":[]}");
        assertThat(dir.resolve("data/setup-code")).exists();
    }

    @Test
    @Order(2)
    void theLocalAdminTokenAlsoWorksAndTheCodeDiesWithFirstRun() throws Exception {
        owner = new Web();
        HttpResponse<String> r = owner.submit("/setup", "/setup", setupForm(ts.adminToken));
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("location")).hasValue("/vaults");
        String cookie = r.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("kw_session=")).findFirst().orElseThrow();
        assertThat(cookie).startsWith("kw_session=kw_ses_").contains("HTTPOnly").contains("SameSite=Strict").contains("Path=/")
                .doesNotContain("Secure");
        assertThat(dir.resolve("data/setup-code")).doesNotExist();
        assertThat(owner.get("/setup").headers().firstValue("location")).hasValue("/");
        assertThat(owner.get("/vaults").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(3)
    void pagesCarryTheSecurityHeadersAndTheApiIsUntouched() throws Exception {
        HttpResponse<String> login = new Web().get("/login");
        assertThat(login.headers().firstValue("content-security-policy")).hasValue("default-src 'self'; script-src 'self'; "
                + "style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
        assertThat(login.headers().firstValue("x-frame-options")).hasValue("DENY");
        assertThat(login.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(login.headers().firstValue("referrer-policy")).hasValue("no-referrer");
        assertThat(login.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(login.body()).doesNotContainPattern("<script>|<style|style=\"| on[a-z]+=\"");
        HttpResponse<String> js = new Web().get("/assets/app.js");
        assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(js.body()).doesNotContain("innerHTML").doesNotContain("eval(");
        assertThat(new Web().get("/assets/../keyway.db").statusCode()).isIn(400, 404);
        HttpResponse<String> api = ts.call("GET", "/v1/vaults", null);
        assertThat(api.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(ts.call("GET", "/v1/vaults", null, null).statusCode()).isEqualTo(401);
        // behind a TLS-terminating proxy the session cookie is Secure
        Web tls = new Web();
        tls.get("/login", "X-Forwarded-Proto", "https");
        HttpResponse<String> r = tls.post("/login", Map.of("csrf", csrf(tls.get("/login").body()), "email", OWNER, "password", PASSWORD),
                "X-Forwarded-Proto", "https");
        assertThat(r.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("kw_session=")).findFirst().orElseThrow())
                .contains("Secure");
    }

    @Test
    @Order(4)
    void signInNeedsItsCsrfTokenAndSignOutEndsTheSession() throws Exception {
        Web w = new Web();
        w.get("/login");
        HttpResponse<String> noToken = w.post("/login", Map.of("email", OWNER, "password", PASSWORD));
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(noToken.headers().allValues("set-cookie").stream().noneMatch(c -> c.startsWith("kw_session="))).isTrue();
        HttpResponse<String> ok = w.submit("/login", "/login?next=%2Faudit", Map.of("email", OWNER, "password", PASSWORD));
        assertThat(ok.headers().firstValue("location")).hasValue("/audit");
        String session = w.cookies.get("kw_session");
        assertThat(w.submit("/vaults", "/logout", Map.of()).headers().firstValue("location")).hasValue("/login?done=signed-out");
        Web replay = new Web();
        replay.cookies.put("kw_session", session);
        assertThat(replay.get("/vaults").headers().firstValue("location")).hasValue("/login?next=%2Fvaults");
        assertThat(ts.call("GET", "/v1/auth/whoami", null, session).statusCode()).isEqualTo(401);
    }

    @Test
    @Order(5)
    void consolePagesApplyTheApisAuthorization() throws Exception {
        assertThat(ts.call("POST", "/v1/users", "{\"email\":\"proxy-user@example.com\",\"password\":\"proxy-user-pass-1\"}").statusCode())
                .isEqualTo(201);
        assertThat(ts.call("PUT", "/v1/vaults/default/members", "{\"user\":\"proxy-user@example.com\",\"role\":\"proxy\"}").statusCode())
                .isEqualTo(200);
        member = new Web();
        member.submit("/login", "/login", Map.of("email", "proxy-user@example.com", "password", "proxy-user-pass-1"));
        HttpResponse<String> creds = member.get("/vaults/default/credentials");
        assertThat(creds.statusCode()).isEqualTo(403);
        assertThat(creds.body()).contains("needs the member role");
        assertThat(member.get("/settings").statusCode()).isEqualTo(403);
        assertThat(member.get("/vaults").body()).doesNotContain("href=\"/settings\"");
        HttpResponse<String> forged = member.submit("/vaults", "/vaults/default/credentials",
                Map.of("name", "STOLEN", "description", "", "value", "x"));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(ts.call("GET", "/v1/vaults/default/credentials/STOLEN", null).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(6)
    void changingThePasswordEndsEverySessionOfTheUser() throws Exception {
        Web a = owner;
        Web b = new Web();
        b.submit("/login", "/login", Map.of("email", OWNER, "password", PASSWORD));
        HttpResponse<String> wrong = a.submit("/account", "/account/password",
                Map.of("current_password", "nope-nope-nope", "new_password", NEW_PASSWORD, "new_password2", NEW_PASSWORD));
        assertThat(wrong.statusCode()).isEqualTo(422);
        assertThat(wrong.body()).contains("the current password is wrong");
        HttpResponse<String> ok = a.submit("/account", "/account/password",
                Map.of("current_password", PASSWORD, "new_password", NEW_PASSWORD, "new_password2", NEW_PASSWORD));
        assertThat(ok.headers().firstValue("location")).hasValue("/account?done=password-changed");
        assertThat(a.get("/account").statusCode()).isEqualTo(200);
        assertThat(b.get("/account").statusCode()).isEqualTo(303);
    }

    @Test
    @Order(7)
    void trafficIsVisibleToMembersOfItsVaultAndStreamsLive() throws Exception {
        HttpResponse<java.io.InputStream> stream = owner.http.send(HttpRequest.newBuilder(URI.create(ts.base() + "/traffic/stream"))
                .header("Cookie", "kw_session=" + owner.cookies.get("kw_session")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");

        String token = TokenLifecycleTest.JSON.readTree(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}").body())
                .get("token").asString();
        Curl.Result c = Curl.run("-sS", "--max-time", "30", "--proxy", "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort(),
                "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:9/private");
        assertThat(c.out()).isEqualTo("403");

        String event;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.startsWith("data: "));
            event = line;
        }
        assertThat(event).contains("\"host\":\"127.0.0.1\"").contains("\"error_type\":\"private-address-blocked\"");

        assertThat(owner.get("/traffic").body()).contains("private-address-blocked");
        HttpResponse<String> page = member.get("/traffic");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).doesNotContain("private-address-blocked").contains("No requests yet");
        assertThat(new Web().get("/traffic/stream").statusCode()).isEqualTo(303);
        assertThat(Files.readString(dir.resolve("data/audit.jsonl"))).doesNotContain(PASSWORD).doesNotContain(NEW_PASSWORD);
    }

    @Test
    @Order(8)
    void aProposalCanBeRejectedWithAReason() throws Exception {
        String agent = TokenLifecycleTest.JSON.readTree(ts.call("POST", "/v1/agents",
                "{\"name\":\"asker\",\"vaults\":[{\"vault\":\"default\",\"role\":\"proxy\"}]}").body()).get("token").asString();
        HttpResponse<String> p = ts.call("POST", "/v1/proposals", "{\"services\":[{\"name\":\"wiki\",\"host\":\"api.wiki.example.com\","
                + "\"inject\":{\"bearer\":\"WIKI_TOKEN\"}}],\"credentials\":[{\"name\":\"WIKI_TOKEN\"}],\"message\":\"<b>please</b>\"}", agent);
        assertThat(p.statusCode()).as(p.body()).isEqualTo(201);
        String id = TokenLifecycleTest.JSON.readTree(p.body()).get("id").asString();
        HttpResponse<String> review = owner.get("/proposals/" + id);
        assertThat(review.body()).contains("&lt;b&gt;please&lt;/b&gt;").contains("WIKI_TOKEN (needs a value)")
                .contains("name=\"cred.WIKI_TOKEN\" type=\"password\"");
        HttpResponse<String> r = owner.submit("/proposals/" + id, "/proposals/" + id + "/reject", Map.of("reason", "use the read-only wiki"));
        assertThat(r.headers().firstValue("location")).hasValue("/proposals/" + id + "?done=proposal-rejected");
        JsonNodeView v = new JsonNodeView(ts.call("GET", "/v1/proposals/" + id, null).body());
        assertThat(v.text("status")).isEqualTo("rejected");
        assertThat(v.text("reason")).isEqualTo("use the read-only wiki");
        assertThat(owner.get("/proposals?status=rejected").body()).contains(id);
    }

    @Test
    @Order(9)
    void anAgentsServicesChangeFromItsRowAndTheReviewPageSaysWhatApprovalGrants() throws Exception {
        for (String n : List.of("console-a", "console-b")) {
            HttpResponse<String> c = ts.call("POST", "/v1/vaults/default/services",
                    "{\"name\":\"" + n + "\",\"host\":\"api." + n + ".example.com\",\"inject\":{\"bearer\":\"K\"}}");
            assertThat(c.statusCode()).as(c.body()).isEqualTo(201);
        }
        String agent = TokenLifecycleTest.JSON.readTree(ts.call("POST", "/v1/agents",
                "{\"name\":\"narrow\",\"vaults\":[{\"vault\":\"default\"}],\"services\":[\"console-a\"]}").body())
                .get("token").asString();
        assertThat(owner.get("/vaults/default/agents").body()).contains("data-set-services=\"narrow\"")
                .contains("action=\"/vaults/default/agents/narrow/services\"");
        HttpResponse<String> r = owner.submit("/vaults/default/agents", "/vaults/default/agents/narrow/services",
                Map.of("services", "console-b"));
        assertThat(r.headers().firstValue("location")).hasValue("/vaults/default/agents?done=agent-services-saved");
        assertThat(ts.call("GET", "/v1/agents/narrow", null).body()).contains("\"services\":[\"console-b\"]");

        HttpResponse<String> p = ts.call("POST", "/v1/proposals", "{\"services\":[{\"name\":\"console-c\",\"host\":\"api.console-c.example.com\","
                + "\"inject\":{\"bearer\":\"CONSOLE_C\"}}],\"credentials\":[{\"name\":\"CONSOLE_C\"}],\"message\":\"need c\"}", agent);
        assertThat(p.statusCode()).as(p.body()).isEqualTo(201);
        String id = TokenLifecycleTest.JSON.readTree(p.body()).get("id").asString();
        assertThat(owner.get("/proposals/" + id).body()).contains("id=\"proposer-grant\"")
                .contains("also grants agent narrow the service console-c");
    }

    @Test
    @Order(10)
    void theServicesPageListsTheVaultsRateLimitsReadOnly() throws Exception {
        assertThat(owner.get("/vaults/default/services").body()).contains("No rate limits on this vault.");
        HttpResponse<String> set = ts.call("POST", "/v1/limits", "{\"vault\":\"default\",\"requests\":42,\"per\":\"1h\"}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(201);
        String id = TokenLifecycleTest.JSON.readTree(set.body()).get("id").asString();
        try {
            assertThat(owner.get("/vaults/default/services").body()).contains("Rate limits").contains(id)
                    .contains("42 requests per 1h for the whole vault");
        } finally {
            assertThat(ts.call("DELETE", "/v1/limits/" + id, null).statusCode()).isEqualTo(204);
        }
    }

    @Test
    @Order(10)
    void theOwnerSetsAndRemovesRateLimitsFromTheServicesPage() throws Exception {
        String page = owner.get("/vaults/default/services").body();
        assertThat(page).contains("Add limit").contains("action=\"/vaults/default/limits\"");
        Map<String, String> form = new LinkedHashMap<>(Map.of("requests", "ten", "per", "1m", "service", "", "agent", "", "credential", ""));
        HttpResponse<String> notANumber = owner.submit("/vaults/default/services", "/vaults/default/limits", form);
        assertThat(notANumber.statusCode()).isEqualTo(422);
        assertThat(notANumber.body()).contains("id=\"limit-error\"").contains("requests must be a whole number");
        form.put("requests", "7");
        form.put("per", "soon");
        HttpResponse<String> badPer = owner.submit("/vaults/default/services", "/vaults/default/limits", form);
        assertThat(badPer.statusCode()).as("the API's own validation").isEqualTo(422);
        assertThat(badPer.body()).contains("id=\"limit-error\"").contains("cannot parse per");
        form.put("per", "1m");
        form.put("credential", "NO_SUCH_CREDENTIAL");
        HttpResponse<String> unknown = owner.submit("/vaults/default/services", "/vaults/default/limits", form);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("has no credential &#39;NO_SUCH_CREDENTIAL&#39;");
        form.put("credential", "");

        HttpResponse<String> set = owner.submit("/vaults/default/services", "/vaults/default/limits", form);
        assertThat(set.statusCode()).isEqualTo(303);
        assertThat(set.headers().firstValue("Location")).hasValue("/vaults/default/services?done=limit-set");
        JsonNode limits = TokenLifecycleTest.JSON.readTree(ts.call("GET", "/v1/limits?vault=default", null).body()).get("limits");
        JsonNode mine = null;
        for (JsonNode l : limits) {
            if (l.get("requests").asLong() == 7 && l.get("per").asString().equals("1m")) {
                mine = l;
            }
        }
        assertThat(mine).as("the limit set from the console, in the API: %s", limits).isNotNull();
        String id = mine.get("id").asString();
        assertThat(owner.get("/vaults/default/services?done=limit-set").body()).contains("Rate limit saved").contains(id)
                .contains("7 requests per 1m");

        HttpResponse<String> forged = member.submit("/vaults", "/vaults/default/limits/" + id + "/delete", Map.of());
        assertThat(forged.statusCode()).as("only the owner may remove limits").isEqualTo(403);
        HttpResponse<String> removed = owner.submit("/vaults/default/services", "/vaults/default/limits/" + id + "/delete", Map.of());
        assertThat(removed.statusCode()).isEqualTo(303);
        assertThat(ts.call("GET", "/v1/limits?vault=default", null).body()).doesNotContain(id);
    }

    @Test
    @Order(10)
    void aPerTenantTemplateFromTheConsoleAsksForTheHostAndUsesIt() throws Exception {
        String page = owner.get("/vaults/default/services").body();
        assertThat(page).contains("name=\"host\"").contains("per-tenant templates");
        HttpResponse<String> missing = owner.submit("/vaults/default/services", "/vaults/default/services/template",
                Map.of("template", "supabase", "name", "db"));
        assertThat(missing.statusCode()).isEqualTo(422);
        assertThat(missing.body()).contains("per project").contains("--host");
        HttpResponse<String> ok = owner.submit("/vaults/default/services", "/vaults/default/services/template",
                Map.of("template", "supabase", "name", "db", "host", "abcdefgh.supabase.co"));
        assertThat(ok.headers().firstValue("location")).hasValue("/vaults/default/services?done=service-saved");
        assertThat(ts.call("GET", "/v1/vaults/default/services/db", null).body()).contains("\"host\":\"abcdefgh.supabase.co\"");
    }

    @Test
    void theServiceFormShowsResponseRedactionOnByDefaultAndCanTurnItOff() throws Exception {
        String page = owner.get("/vaults/default/services").body();
        assertThat(page).contains("name=\"redact_responses\"").contains("name=\"redact_responses_present\"");
        Map<String, String> form = new LinkedHashMap<>(Map.of("name", "echo-off", "host", "api.echo-off-test.com",
                "kind", "bearer", "credential", "ECHO_KEY", "enabled_present", "1", "enabled", "on",
                "redact_responses_present", "1"));
        HttpResponse<String> off = owner.submit("/vaults/default/services", "/vaults/default/services", form);
        assertThat(off.statusCode()).as(off.body()).isEqualTo(303);
        assertThat(ts.call("GET", "/v1/vaults/default/services/echo-off", null).body()).contains("\"redact_responses\":false");
        form.put("name", "echo-on");
        form.put("redact_responses", "on");
        HttpResponse<String> on = owner.submit("/vaults/default/services", "/vaults/default/services", form);
        assertThat(on.statusCode()).as(on.body()).isEqualTo(303);
        assertThat(ts.call("GET", "/v1/vaults/default/services/echo-on", null).body()).doesNotContain("redact_responses");
    }

    /** The from-scratch form offers {@code inject: hmac} and {@code jwt}; what it saves is what the API stores, errors come back. */
    @Test
    void theServiceFormAddsHmacAndJwtSigningServices() throws Exception {
        String page = owner.get("/vaults/default/services").body();
        assertThat(page).contains("<option value=\"hmac\"").contains("<option value=\"jwt\"").contains("name=\"hmac_template\"")
                .contains("name=\"jwt_claims\"");
        Map<String, String> hmac = new LinkedHashMap<>(Map.of("name", "exch", "host", "api.exch-form-test.com", "kind", "hmac",
                "hmac_key", "EXCH_SECRET", "hmac_key_encoding", "base64", "hmac_template", "{timestamp}{method}{path_query}{body}",
                "hmac_signature_header", "CB-ACCESS-SIGN", "hmac_encoding", "base64", "hmac_timestamp_header", "CB-ACCESS-TIMESTAMP",
                "enabled_present", "1"));
        hmac.put("enabled", "on");
        hmac.put("hmac_headers", "CB-ACCESS-KEY: {EXCH_KEY}\nCB-ACCESS-PASSPHRASE: {EXCH_PASS}");
        HttpResponse<String> saved = owner.submit("/vaults/default/services", "/vaults/default/services", hmac);
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(303);
        JsonNode h = TokenLifecycleTest.JSON.readTree(ts.call("GET", "/v1/vaults/default/services/exch", null).body()).get("inject").get("hmac");
        assertThat(h.get("key").asString()).isEqualTo("EXCH_SECRET");
        assertThat(h.get("key_encoding").asString()).isEqualTo("base64");
        assertThat(h.get("template").asString()).isEqualTo("{timestamp}{method}{path_query}{body}");
        assertThat(h.get("signature_header").asString()).isEqualTo("CB-ACCESS-SIGN");
        assertThat(h.get("encoding").asString()).isEqualTo("base64");
        assertThat(h.get("timestamp_header").asString()).isEqualTo("CB-ACCESS-TIMESTAMP");
        assertThat(h.get("headers").toString()).contains("CB-ACCESS-KEY").contains("{EXCH_KEY}").contains("{EXCH_PASS}");

        Map<String, String> jwt = new LinkedHashMap<>(Map.of("name", "cdp", "host", "api.cdp-form-test.com", "kind", "jwt",
                "jwt_key", "CDP_PRIVATE_KEY", "jwt_algorithm", "ES256", "jwt_kid", "{CDP_KEY_NAME}", "jwt_lifetime", "60s",
                "jwt_nonce", "true", "enabled_present", "1", "enabled", "on"));
        jwt.put("jwt_claims", "iss: cdp\nsub: {CDP_KEY_NAME}\nuri: {method} {host}{path}");
        HttpResponse<String> savedJwt = owner.submit("/vaults/default/services", "/vaults/default/services", jwt);
        assertThat(savedJwt.statusCode()).as(savedJwt.body()).isEqualTo(303);
        JsonNode j = TokenLifecycleTest.JSON.readTree(ts.call("GET", "/v1/vaults/default/services/cdp", null).body()).get("inject").get("jwt");
        assertThat(j.get("key").asString()).isEqualTo("CDP_PRIVATE_KEY");
        assertThat(j.get("algorithm").asString()).isEqualTo("ES256");
        assertThat(j.get("kid").asString()).isEqualTo("{CDP_KEY_NAME}");
        assertThat(j.get("claims").get("uri").asString()).isEqualTo("{method} {host}{path}");
        assertThat(j.get("nonce").asBoolean()).isTrue();

        hmac.put("name", "exch-bad");
        hmac.put("hmac_template", "{methd}");
        HttpResponse<String> bad = owner.submit("/vaults/default/services", "/vaults/default/services", hmac);
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(bad.body()).contains("methd").contains("value=\"exch-bad\"");
        assertThat(ts.call("GET", "/v1/vaults/default/services/exch-bad", null).statusCode()).isEqualTo(404);
    }

    @Test
    void theServicesPageTestsAUrlWithTheProxysDecision() throws Exception {
        HttpResponse<String> created = ts.call("POST", "/v1/vaults/default/services", """
                {"name":"explained","host":"api.explained-test.com","methods":["GET"],"inject":{"bearer":"EXPLAINED_KEY"}}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(owner.get("/vaults/default/services").body()).contains("Test a URL");
        HttpResponse<String> allowed = owner.submit("/vaults/default/services", "/vaults/default/services/explain",
                Map.of("url", "https://api.explained-test.com/v1/x", "method", "GET"));
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).contains("data-decision=\"inject\"")
                .contains("Inject via service &#39;explained&#39; (bearer, credentials EXPLAINED_KEY)");
        HttpResponse<String> denied = owner.submit("/vaults/default/services", "/vaults/default/services/explain",
                Map.of("url", "https://api.explained-test.com/v1/x", "method", "POST"));
        assertThat(denied.body()).contains("data-decision=\"deny\"").contains("403 service-rule-denied");
        HttpResponse<String> bad = owner.submit("/vaults/default/services", "/vaults/default/services/explain",
                Map.of("url", "ftp://x.example.com/", "method", "GET"));
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(bad.body()).contains("https:// or http://");
    }

    @Test
    @Order(11)
    void sourcesAndLinkedCredentialsAreShownWithoutSecrets() throws Exception {
        assertThat(ts.call("POST", "/v1/sources", "{\"name\":\"console-vault\",\"type\":\"hashicorp-vault\","
                + "\"settings\":{\"addr\":\"http://127.0.0.1:9\"},\"secrets\":{\"token\":\"hvs.console-secret-token\"}}")
                .statusCode()).isEqualTo(201);
        assertThat(ts.call("PUT", "/v1/vaults/default/credentials/CONSOLE_LINKED/link",
                "{\"source\":\"console-vault\",\"ref\":\"secret/app#key\"}").statusCode()).isEqualTo(201);
        String settings = owner.get("/settings").body();
        assertThat(settings).contains("Credential sources").contains("data-source=\"console-vault\"")
                .contains("hashicorp-vault").contains("default/CONSOLE_LINKED").doesNotContain("hvs.console-secret-token");
        String creds = owner.get("/vaults/default/credentials").body();
        assertThat(creds).contains("data-linked").contains("linked: console-vault <code>secret/app#key</code>");
    }

    @Test
    @Order(12)
    void anOAuthCredentialHasAPageWithItsStateAndTheCommandThatReauthorizesItButNoSecret() throws Exception {
        assertThat(ts.call("PUT", "/v1/vaults/default/credentials/CONSOLE_OAUTH/oauth", "{\"grant\":\"refresh_token\","
                + "\"token_url\":\"https://auth.example.com/token\",\"client_id\":\"console-client\","
                + "\"client_secret\":\"console-client-secret-9\",\"refresh_token\":\"console-refresh-token-9\",\"scopes\":[\"repo\"]}")
                .statusCode()).isEqualTo(201);
        String creds = owner.get("/vaults/default/credentials").body();
        assertThat(creds).contains("data-oauth=\"ok\"").contains("href=\"/vaults/default/credentials/CONSOLE_OAUTH/oauth\"");
        HttpResponse<String> page = owner.get("/vaults/default/credentials/CONSOLE_OAUTH/oauth");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("OAuth credential <code>CONSOLE_OAUTH</code>").contains("data-state=\"ok\"")
                .contains("<code>refresh_token</code>").contains("https://auth.example.com/token").contains("console-client")
                .contains("client_secret, refresh_token")
                .contains("keyway oauth authorize CONSOLE_OAUTH --vault default --authorize-url AUTHORIZE_URL")
                .contains("--client-secret-file F --scope repo")
                .doesNotContain("console-client-secret-9").doesNotContain("console-refresh-token-9");
        assertThat(owner.get("/vaults/default/credentials/NOT_OAUTH_AT_ALL/oauth").statusCode()).isEqualTo(404);
    }

    record JsonNodeView(String json) {
        String text(String field) {
            return TokenLifecycleTest.JSON.readTree(json).get(field).asString();
        }
    }
}
