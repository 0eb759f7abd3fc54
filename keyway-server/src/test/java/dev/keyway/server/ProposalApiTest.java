package dev.keyway.server;

import static dev.keyway.server.ApiTest.assertProblem;
import static dev.keyway.server.ApiTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import dev.keyway.store.CredentialRecord;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The proposal workflow through the real API: create, view, approve (atomically), reject, expire, limits, access. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProposalApiTest {
    static final String SECRET = "ghp-canary-ProposalApiTest-3b9d1f";

    @TempDir
    static Path dir;

    /** The server's time: the expiry test moves it instead of sleeping. */
    final MutableClock clock = new MutableClock(Instant.now());
    TestServer ts;
    String agent;
    String otherAgent;

    @BeforeAll
    void start() throws Exception {
        ts = TestServer.start(ServerConfig.defaults(dir).withPorts(0, 0), clock);
        agent = agent("prop-agent", "default", "proxy");
        otherAgent = agent("other-agent", "default", "proxy");
    }

    @AfterAll
    void stop() {
        ts.close();
    }

    String agent(String name, String vault, String role) throws Exception {
        var r = ts.call("POST", "/v1/agents", "{\"name\":\"" + name + "\",\"vaults\":[{\"vault\":\"" + vault + "\",\"role\":\"" + role + "\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json(r).get("token").asString();
    }

    static String service(String name, String host, String inject) {
        return "{\"name\":\"" + name + "\",\"host\":\"" + host + "\",\"inject\":" + inject + "}";
    }

    static String proposal(String services, String credentials, String message) {
        return "{\"services\":[" + services + "],\"credentials\":[" + credentials + "],\"message\":\"" + message + "\"}";
    }

    JsonNode create(String body, String token) throws Exception {
        var r = ts.call("POST", "/v1/proposals", body, token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json(r);
    }

    static String approvalToken(JsonNode created) {
        String url = created.get("approval_url").asString();
        return url.substring(url.indexOf('#') + 1);
    }

    @Test
    void lifecycleWithCredentialValue() throws Exception {
        JsonNode c = create(proposal(service("wiki", "api.wiki.example.com", "{\"bearer\":\"WIKI_TOKEN\"}"),
                "{\"name\":\"WIKI_TOKEN\",\"description\":\"read-only\"}", "need the wiki"), agent);
        String id = c.get("id").asString();
        assertThat(id).startsWith("prp_");
        assertThat(c.get("status").asString()).isEqualTo("pending");
        assertThat(c.get("flags").isEmpty()).isTrue();
        assertThat(c.get("approval_url").asString()).matches("http://127\\.0\\.0\\.1:" + ts.server.apiPort() + "/approve/" + id + "#kw_apr_.+");
        assertThat(Instant.parse(c.get("expires_at").asString())).isAfter(clock.instant().plus(Duration.ofDays(6)));

        // the agent polls its own proposal; reviewers list it
        JsonNode polled = json(ts.call("GET", "/v1/proposals/" + id, null, agent));
        assertThat(polled.get("status").asString()).isEqualTo("pending");
        assertThat(polled.get("message").asString()).isEqualTo("need the wiki");
        assertThat(polled.get("credentials").get(0).get("exists").asBoolean()).isFalse();
        assertThat(json(ts.call("GET", "/v1/proposals?vault=default&status=pending", null)).get("proposals").findValuesAsString("id")).contains(id);
        // the proposer cannot decide it; another proxy agent cannot even see it
        assertProblem(ts.call("POST", "/v1/proposals/" + id + "/approve", "{}", agent), 403, "forbidden");
        assertProblem(ts.call("GET", "/v1/proposals/" + id, null, otherAgent), 403, "forbidden");
        assertThat(json(ts.call("GET", "/v1/proposals", null, otherAgent)).get("proposals").findValuesAsString("id")).doesNotContain(id);

        var a = ts.call("POST", "/v1/proposals/" + id + "/approve", "{\"credentials\":{\"WIKI_TOKEN\":\"" + SECRET + "\"}}");
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        assertThat(a.body()).doesNotContain(SECRET);
        JsonNode approved = json(a);
        assertThat(approved.get("status").asString()).isEqualTo("approved");
        assertThat(approved.get("reviewed_by").asString()).isEqualTo("local-admin");
        assertThat(approved.get("applied").get("services").get(0).asString()).isEqualTo("wiki");
        assertThat(approved.get("applied").get("credentials_set").get(0).asString()).isEqualTo("WIKI_TOKEN");
        assertThat(approved.get("applied").get("credentials_missing").isEmpty()).isTrue();

        // applied: the service exists and the credential decrypts to the supplied value
        assertThat(json(ts.call("GET", "/v1/vaults/default/services/wiki", null)).get("host").asString()).isEqualTo("api.wiki.example.com");
        VaultService vs = ts.server.vaultServiceForTests();
        CredentialRecord cr = vs.credential("default", "WIKI_TOKEN");
        assertThat(cr.description()).isEqualTo("read-only");
        assertThat(new String(vs.decrypt(cr), StandardCharsets.UTF_8)).isEqualTo(SECRET);
        assertThat(json(ts.call("GET", "/v1/proposals/" + id, null, agent)).get("status").asString()).isEqualTo("approved");
        assertProblem(ts.call("POST", "/v1/proposals/" + id + "/approve", "{}"), 409, "conflict");
        assertProblem(ts.call("POST", "/v1/proposals/" + id + "/reject", "{}"), 409, "conflict");

        // audited with the reviewer, without the value
        JsonNode audit = awaitAudit("proposal.approve", id);
        assertThat(audit.get("actor").asString()).isEqualTo("local-admin");
        assertThat(audit.toString()).doesNotContain(SECRET);
    }

    @Test
    void approvalGrantsARestrictedAgentTheNewServiceAndTheReviewerIsToldFirst() throws Exception {
        var svc = ts.call("POST", "/v1/vaults/default/services", service("subset-known", "api.known.example.com", "{\"bearer\":\"KNOWN\"}"));
        assertThat(svc.statusCode()).as(svc.body()).isEqualTo(201);
        var made = ts.call("POST", "/v1/agents", "{\"name\":\"subset-agent\",\"vaults\":[{\"vault\":\"default\"}],"
                + "\"services\":[\"subset-known\"]}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String restricted = json(made).get("token").asString();
        JsonNode c = create(proposal(service("subset-new", "api.subset-new.example.com", "{\"bearer\":\"SUBSET_NEW\"}"),
                "{\"name\":\"SUBSET_NEW\"}", "need the new api"), restricted);
        String id = c.get("id").asString();

        // the reviewer sees, before deciding, that approval widens the agent
        JsonNode pending = json(ts.call("GET", "/v1/proposals/" + id, null));
        assertThat(pending.get("proposer_grant").get("agent").asString()).isEqualTo("subset-agent");
        assertThat(pending.get("proposer_grant").get("messages").toString())
                .contains("also grants agent subset-agent the service subset-new");
        // before approval the agent cannot see it (it does not exist yet, and it is outside its subset)
        assertThat(serviceNames(json(ts.call("GET", "/discover", null, restricted))))
                .containsExactly("subset-known");

        JsonNode approved = json(ts.call("POST", "/v1/proposals/" + id + "/approve", "{}"));
        assertThat(approved.get("applied").get("proposer_grant").get("agent").asString()).isEqualTo("subset-agent");
        assertThat(approved.get("applied").get("proposer_grant").get("services").toString()).contains("subset-new");
        // the agent (same token, no rotation) now discovers both; its record says so
        assertThat(serviceNames(json(ts.call("GET", "/discover", null, restricted))))
                .containsExactlyInAnyOrder("subset-known", "subset-new");
        assertThat(json(ts.call("GET", "/v1/agents/subset-agent", null)).get("services").toString())
                .contains("subset-known").contains("subset-new");
        assertThat(awaitAudit("proposal.approve", id).toString()).contains("granted_agent");
    }

    @Test
    void aNameThatExistsInAnotherOfTheAgentsVaultsIsNeverGrantedByThisVaultsReviewer() throws Exception {
        assertThat(ts.call("POST", "/v1/vaults", "{\"name\":\"elsewhere-pa\"}").statusCode()).isEqualTo(201);
        var other = ts.call("POST", "/v1/vaults/elsewhere-pa/services", service("twin", "api.twin-b.example.com", "{\"bearer\":\"TWIN_B\"}"));
        assertThat(other.statusCode()).as(other.body()).isEqualTo(201);
        var made = ts.call("POST", "/v1/agents", "{\"name\":\"two-vaults\",\"vaults\":[{\"vault\":\"default\"},{\"vault\":\"elsewhere-pa\"}],"
                + "\"services\":[\"none-yet\"]}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String token = json(made).get("token").asString();
        JsonNode c = create("{\"vault\":\"default\",\"services\":[" + service("twin", "api.twin-a.example.com", "{\"bearer\":\"TWIN_A\"}")
                + "],\"credentials\":[{\"name\":\"TWIN_A\"}],\"message\":\"need twin\"}", token);
        String id = c.get("id").asString();
        JsonNode pending = json(ts.call("GET", "/v1/proposals/" + id, null));
        assertThat(pending.get("proposer_grant").get("agent").isNull()).isTrue();
        assertThat(pending.get("proposer_grant").get("withheld").toString()).isEqualTo("[\"twin\"]");
        assertThat(pending.get("proposer_grant").get("messages").toString()).contains("does not grant agent two-vaults twin");
        assertThat(ts.call("POST", "/v1/proposals/" + id + "/approve", "{}").statusCode()).isEqualTo(200);
        assertThat(json(ts.call("GET", "/v1/agents/two-vaults", null)).get("services").toString()).isEqualTo("[\"none-yet\"]");
    }

    static List<String> serviceNames(JsonNode discover) {
        List<String> out = new ArrayList<>();
        discover.get("services").forEach(s -> out.add(s.get("name").asString()));
        return out;
    }

    @Test
    void anUnrestrictedProposerIsGrantedNothing() throws Exception {
        JsonNode c = create(proposal(service("plain-new", "api.plain-new.example.com", "{\"bearer\":\"PLAIN_NEW\"}"),
                "{\"name\":\"PLAIN_NEW\"}", "need it"), otherAgent);
        JsonNode pending = json(ts.call("GET", "/v1/proposals/" + c.get("id").asString(), null));
        assertThat(pending.get("proposer_grant").get("agent").isNull()).isTrue();
        assertThat(pending.get("proposer_grant").get("messages").isEmpty()).isTrue();
        ts.call("POST", "/v1/proposals/" + c.get("id").asString() + "/reject", "{}");
    }

    JsonNode awaitAudit(String action, String proposal) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode r : json(ts.call("GET", "/v1/audit?limit=1000", null)).get("records")) {
                if (action.equals(r.path("action").asString()) && proposal.equals(r.path("proposal").asString())) {
                    return r;
                }
            }
            Thread.sleep(50); // the audit log is written asynchronously: waiting on real time is inherent
        }
        throw new AssertionError("no audit record " + action + " for " + proposal);
    }

    @Test
    void existingCredentialToNewHostIsFlagged() throws Exception {
        assertThat(ts.call("PUT", "/v1/vaults/default/credentials/GH_TOKEN", "{\"value\":\"v\"}").statusCode()).isIn(200, 201);
        assertThat(ts.call("POST", "/v1/vaults/default/services", service("ghapi", "api.github.com", "{\"bearer\":\"GH_TOKEN\"}")).statusCode()).isEqualTo(201);

        JsonNode same = create(proposal(service("gh2", "api.github.com", "{\"header\":{\"Authorization\":\"token {GH_TOKEN}\"}}"),
                "", "same host"), agent);
        assertThat(same.get("flags").isEmpty()).isTrue();

        JsonNode bad = create(proposal(service("exfil", "collector.example.net", "{\"bearer\":\"GH_TOKEN\"}"), "", "upload"), agent);
        assertThat(bad.get("flags").get(0).asString()).isEqualTo("existing-credential-new-host");
        assertThat(bad.get("warnings").get(0).asString()).contains("GH_TOKEN").contains("collector.example.net").contains("api.github.com");
        JsonNode shown = json(ts.call("GET", "/v1/proposals/" + bad.get("id").asString(), null));
        assertThat(shown.get("flags").get(0).asString()).isEqualTo("existing-credential-new-host");
        assertThat(json(ts.call("GET", "/v1/proposals/" + bad.get("id").asString(), null, approvalToken(bad))).get("flags").get(0).asString())
                .isEqualTo("existing-credential-new-host");
    }

    @Test
    void rejectWithReason() throws Exception {
        JsonNode c = create(proposal(service("nope", "api.nope.example.com", "\"none\""), "", "want it"), agent);
        String id = c.get("id").asString();
        var r = ts.call("POST", "/v1/proposals/" + id + "/reject", "{\"reason\":\"not for this task\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode seen = json(ts.call("GET", "/v1/proposals/" + id, null, agent));
        assertThat(seen.get("status").asString()).isEqualTo("rejected");
        assertThat(seen.get("reason").asString()).isEqualTo("not for this task");
        assertProblem(ts.call("POST", "/v1/proposals/" + id + "/approve", "{}"), 409, "conflict");
        assertProblem(ts.call("GET", "/v1/vaults/default/services/nope", null), 404, "not-found");
        assertThat(awaitAudit("proposal.reject", id).get("reason").asString()).isEqualTo("not for this task");
    }

    @Test
    void expiresLazilyOnRead() throws Exception {
        JsonNode c = create("{\"services\":[" + service("brief", "api.brief.example.com", "\"none\"")
                + "],\"message\":\"short\",\"expires_in\":\"1s\"}", agent);
        String id = c.get("id").asString();
        String token = approvalToken(c);
        assertThat(json(ts.call("GET", "/v1/proposals/" + id, null, token)).get("status").asString()).isEqualTo("pending");
        clock.advance(Duration.ofSeconds(2));
        assertThat(json(ts.call("GET", "/v1/proposals/" + id, null, agent)).get("status").asString()).isEqualTo("expired");
        assertProblem(ts.call("POST", "/v1/proposals/" + id + "/approve", "{}"), 409, "conflict");
        // the approval token expired with the proposal
        assertProblem(ts.call("GET", "/v1/proposals/" + id, null, token), 401, "unauthorized");
        assertThat(json(ts.call("GET", "/v1/proposals?status=expired", null)).get("proposals").findValuesAsString("id")).contains(id);
    }

    @Test
    void approvalTokenSeesOnlyItsProposal() throws Exception {
        JsonNode a = create(proposal(service("tok-a", "api.a.example.com", "\"none\""), "", "a"), agent);
        JsonNode b = create(proposal(service("tok-b", "api.b.example.com", "\"none\""), "", "b"), agent);
        String token = approvalToken(a);
        assertThat(token).startsWith("kw_apr_");
        var own = ts.call("GET", "/v1/proposals/" + a.get("id").asString(), null, token);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(json(own).get("services").get(0).get("name").asString()).isEqualTo("tok-a");
        assertThat(own.body()).doesNotContain(token);
        assertProblem(ts.call("GET", "/v1/proposals/" + b.get("id").asString(), null, token), 403, "forbidden");
        assertProblem(ts.call("GET", "/v1/proposals", null, token), 403, "forbidden");
        assertProblem(ts.call("POST", "/v1/proposals/" + a.get("id").asString() + "/approve", "{}", token), 403, "forbidden");
        assertProblem(ts.call("POST", "/v1/proposals/" + a.get("id").asString() + "/reject", "{}", token), 403, "forbidden");
        assertProblem(ts.call("GET", "/v1/vaults/default/services", null, token), 403, "forbidden");
        assertProblem(ts.call("GET", "/discover", null, token), 403, "forbidden");
        assertProblem(ts.call("POST", "/v1/proposals", proposal(service("x", "x.example.com", "\"none\""), "", "x"), token), 403, "forbidden");
    }

    @Test
    void approvalIsAllOrNothing() throws Exception {
        JsonNode c = create(proposal(service("late", "api.late.example.com", "{\"bearer\":\"LATE_KEY\"}"),
                "{\"name\":\"LATE_KEY\"}", "late"), agent);
        String id = c.get("id").asString();
        // meanwhile a member adds a service with the same name
        assertThat(ts.call("POST", "/v1/vaults/default/services", service("late", "other.example.com", "\"none\"")).statusCode()).isEqualTo(201);
        var r = ts.call("POST", "/v1/proposals/" + id + "/approve", "{\"credentials\":{\"LATE_KEY\":\"" + SECRET + "\"}}");
        assertProblem(r, 409, "conflict");
        assertThat(r.body()).contains("stays pending").doesNotContain(SECRET);
        assertThat(json(ts.call("GET", "/v1/proposals/" + id, null)).get("status").asString()).isEqualTo("pending");
        assertProblem(ts.call("GET", "/v1/vaults/default/credentials/LATE_KEY", null), 404, "not-found");
        assertThat(json(ts.call("GET", "/v1/vaults/default/services/late", null)).get("host").asString()).isEqualTo("other.example.com");
        // a value for a credential the proposal does not involve is refused
        assertProblem(ts.call("POST", "/v1/proposals/" + id + "/approve", "{\"credentials\":{\"OTHER\":\"x\"}}"), 422, "validation");
    }

    @Test
    void approvingWithoutValuesLeavesSlotsMissing() throws Exception {
        JsonNode c = create(proposal(service("novalue", "api.novalue.example.com", "{\"bearer\":\"NOVALUE_KEY\"}"),
                "{\"name\":\"NOVALUE_KEY\"}", "later"), agent);
        JsonNode a = json(ts.call("POST", "/v1/proposals/" + c.get("id").asString() + "/approve", null));
        assertThat(a.get("status").asString()).isEqualTo("approved");
        assertThat(a.get("applied").get("credentials_missing").get(0).asString()).isEqualTo("NOVALUE_KEY");
    }

    @Test
    void creationValidatesLikeTheServiceApi() throws Exception {
        String ok = service("valid", "api.valid.example.com", "\"none\"");
        assertProblem(ts.call("POST", "/v1/proposals", "{\"services\":[" + ok + "]}", agent), 422, "validation");
        assertProblem(ts.call("POST", "/v1/proposals", "{\"message\":\"nothing\"}", agent), 422, "validation");
        var host = ts.call("POST", "/v1/proposals", proposal(service("loc", "localhost", "\"none\""), "", "m"), agent);
        assertProblem(host, 422, "validation");
        assertThat(json(host).get("field").asString()).isEqualTo("services[0].host");
        assertProblem(ts.call("POST", "/v1/proposals", proposal(service("inj", "a.example.com", "{\"telepathy\":1}"), "", "m"), agent), 422, "validation");
        assertProblem(ts.call("POST", "/v1/proposals", proposal(service("uses", "a.example.com", "{\"bearer\":\"UNKNOWN_KEY\"}"), "", "m"), agent), 422, "validation");
        assertProblem(ts.call("POST", "/v1/proposals", proposal(ok + "," + ok, "", "m"), agent), 422, "validation");
        assertProblem(ts.call("POST", "/v1/proposals", proposal("", "{\"name\":\"lower\"}", "m"), agent), 422, "validation");
        assertProblem(ts.call("POST", "/v1/proposals", "{\"services\":[" + ok + "],\"message\":\"m\",\"expires_in\":\"30d\"}", agent), 422, "validation");
        assertProblem(ts.call("POST", "/v1/proposals", "{\"services\":[" + ok + "],\"message\":\"m\",\"colour\":1}", agent), 400, "bad-request");
        assertProblem(ts.call("POST", "/v1/proposals", "{\"vault\":\"nope\",\"services\":[" + ok + "],\"message\":\"m\"}", agent), 404, "not-found");
        // existing names conflict: services cannot be replaced, credentials not re-requested
        assertThat(ts.call("POST", "/v1/vaults/default/services", service("taken", "taken.example.com", "\"none\"")).statusCode()).isEqualTo(201);
        assertProblem(ts.call("POST", "/v1/proposals", proposal(service("taken", "b.example.com", "\"none\""), "", "m"), agent), 409, "conflict");
        assertThat(ts.call("PUT", "/v1/vaults/default/credentials/HAVE_IT", "{\"value\":\"v\"}").statusCode()).isIn(200, 201);
        assertProblem(ts.call("POST", "/v1/proposals", proposal("", "{\"name\":\"HAVE_IT\"}", "m"), agent), 409, "conflict");
    }

    @Test
    void limits() throws Exception {
        assertThat(ts.call("POST", "/v1/vaults", "{\"name\":\"limits\"}").statusCode()).isEqualTo(201);
        String big = "x".repeat(70 * 1024);
        assertProblem(ts.call("POST", "/v1/proposals", proposal("", "{\"name\":\"BIG\"}", big), agent), 413, "payload-too-large");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            many.add(service("s" + i, "s" + i + ".example.com", "\"none\""));
        }
        assertProblem(ts.call("POST", "/v1/proposals", "{\"vault\":\"limits\",\"services\":[" + String.join(",", many)
                + "],\"message\":\"m\"}"), 422, "validation");
        List<String> creds = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            creds.add("{\"name\":\"C" + i + "\"}");
        }
        assertProblem(ts.call("POST", "/v1/proposals", "{\"vault\":\"limits\",\"credentials\":[" + String.join(",", creds)
                + "],\"message\":\"m\"}"), 422, "validation");
        for (int i = 0; i < 20; i++) {
            var r = ts.call("POST", "/v1/proposals", "{\"vault\":\"limits\",\"credentials\":[{\"name\":\"P" + i + "\"}],\"message\":\"m\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
        HttpResponse<String> r = ts.call("POST", "/v1/proposals", "{\"vault\":\"limits\",\"credentials\":[{\"name\":\"P20\"}],\"message\":\"m\"}");
        assertProblem(r, 429, "rate-limited");
        assertThat(r.headers().firstValue("retry-after")).isPresent();
        assertThat(json(r).get("detail").asString()).contains("20 pending proposals");
    }

    @Test
    void vaultComesFromTheTokenOrHeader() throws Exception {
        assertThat(ts.call("POST", "/v1/vaults", "{\"name\":\"second\"}").statusCode()).isEqualTo(201);
        String scoped = json(ts.call("POST", "/v1/tokens", "{\"vault\":\"second\",\"ttl\":\"1h\"}")).get("token").asString();
        JsonNode c = create(proposal("", "{\"name\":\"SECOND_KEY\"}", "m"), scoped);
        assertThat(c.get("vault").asString()).isEqualTo("second");
        // a token without a role on the named vault may not propose there
        assertProblem(ts.call("POST", "/v1/proposals", "{\"vault\":\"default\",\"credentials\":[{\"name\":\"X_KEY\"}],\"message\":\"m\"}", scoped),
                403, "forbidden");
    }
}
