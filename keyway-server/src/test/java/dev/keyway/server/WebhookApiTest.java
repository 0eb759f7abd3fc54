package dev.keyway.server;

import static dev.keyway.server.ApiTest.assertProblem;
import static dev.keyway.server.ApiTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.webhook.WebhookReceiver;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Webhooks through the real API: owner-only management, both payload formats on proposal creation, test sends. */
class WebhookApiTest {
    @TempDir
    Path dir;

    static String bodyOf(String received) {
        assertThat(received).startsWith("application/json\n");
        return received.substring(received.indexOf('\n') + 1);
    }

    @Test
    void proposalCreationNotifiesEveryWebhook() throws Exception {
        try (TestServer ts = TestServer.start(dir); WebhookReceiver generic = new WebhookReceiver(); WebhookReceiver slack = new WebhookReceiver()) {
            var g = ts.call("POST", "/v1/webhooks", "{\"url\":\"" + generic.url("/hook/SECRET1") + "\"}");
            assertThat(g.statusCode()).as(g.body()).isEqualTo(201);
            assertThat(json(g).get("format").asString()).isEqualTo("json");
            assertThat(g.body()).doesNotContain("SECRET1");
            var s = ts.call("POST", "/v1/webhooks", "{\"url\":\"" + slack.url("/services/T0/SECRET2") + "\",\"format\":\"slack\"}");
            assertThat(s.statusCode()).as(s.body()).isEqualTo(201);

            String agent = json(ts.call("POST", "/v1/agents", "{\"name\":\"hooked\",\"vaults\":[{\"vault\":\"default\"}]}")).get("token").asString();
            assertThat(ts.call("PUT", "/v1/vaults/default/credentials/GH_TOKEN", "{\"value\":\"v\"}").statusCode()).isIn(200, 201);
            assertThat(ts.call("POST", "/v1/vaults/default/services",
                    "{\"name\":\"gh\",\"host\":\"api.github.com\",\"inject\":{\"bearer\":\"GH_TOKEN\"}}").statusCode()).isEqualTo(201);
            var created = ts.call("POST", "/v1/proposals", "{\"services\":[{\"name\":\"up\",\"host\":\"upload.example.com\","
                    + "\"inject\":{\"bearer\":\"GH_TOKEN\"}}],\"credentials\":[{\"name\":\"NEW_KEY\"}],\"message\":\"need <upload>\"}", agent);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            JsonNode c = json(created);

            JsonNode doc = ApiTest.JSON.readTree(bodyOf(generic.next()));
            assertThat(doc.get("event").asString()).isEqualTo("proposal.created");
            assertThat(doc.get("approval_url").asString()).isEqualTo(c.get("approval_url").asString());
            JsonNode p = doc.get("proposal");
            assertThat(p.get("id").asString()).isEqualTo(c.get("id").asString());
            assertThat(p.get("vault").asString()).isEqualTo("default");
            assertThat(p.get("message").asString()).isEqualTo("need <upload>");
            assertThat(p.get("flags").get(0).asString()).isEqualTo("existing-credential-new-host");
            assertThat(p.get("services").get(0).get("name").asString()).isEqualTo("up");
            assertThat(p.get("services").get(0).get("host").asString()).isEqualTo("upload.example.com");
            assertThat(p.get("credentials").get(0).asString()).isEqualTo("NEW_KEY");

            String text = ApiTest.JSON.readTree(bodyOf(slack.next())).get("text").asString();
            assertThat(text).contains("WARNING").contains("GH_TOKEN").contains("upload.example.com")
                    .contains("<" + c.get("approval_url").asString() + "|").contains("need &lt;upload&gt;");

            // the outcome is recorded: no failures
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            JsonNode hooks;
            do {
                Thread.sleep(20); // polls a real HTTP delivery
                hooks = json(ts.call("GET", "/v1/webhooks", null)).get("webhooks");
            } while ((hooks.get(0).get("last_attempt_at").isNull() || hooks.get(1).get("last_attempt_at").isNull())
                    && System.nanoTime() < deadline);
            for (JsonNode h : hooks) {
                assertThat(h.get("failures").asInt()).isZero();
                assertThat(h.get("last_error").isNull()).isTrue();
                assertThat(h.get("url").asString()).endsWith("/…").doesNotContain("SECRET");
            }
        }
    }

    @Test
    void managementIsOwnerOnlyAndValidated() throws Exception {
        try (TestServer ts = TestServer.start(dir); WebhookReceiver r = new WebhookReceiver()) {
            String agent = json(ts.call("POST", "/v1/agents", "{\"name\":\"nosy\",\"vaults\":[{\"vault\":\"default\",\"role\":\"admin\"}]}"))
                    .get("token").asString();
            assertProblem(ts.call("POST", "/v1/webhooks", "{\"url\":\"" + r.url("/") + "\"}", agent), 403, "forbidden");
            assertProblem(ts.call("GET", "/v1/webhooks", null, agent), 403, "forbidden");
            assertProblem(ts.call("POST", "/v1/webhooks", "{\"url\":\"ftp://example.com/x\"}"), 422, "validation");
            assertProblem(ts.call("POST", "/v1/webhooks", "{\"url\":\"https://user:pw@example.com/x\"}"), 422, "validation");
            assertProblem(ts.call("POST", "/v1/webhooks", "{\"url\":\"" + r.url("/") + "\",\"format\":\"teams\"}"), 422, "validation");
            assertProblem(ts.call("POST", "/v1/webhooks", "{}"), 422, "validation");

            String id = json(ts.call("POST", "/v1/webhooks", "{\"url\":\"" + r.url("/t") + "\"}")).get("id").asString();
            JsonNode t = json(ts.call("POST", "/v1/webhooks/" + id + "/test", null));
            assertThat(t.get("delivered").asBoolean()).isTrue();
            assertThat(t.get("status").asInt()).isEqualTo(200);
            assertThat(bodyOf(r.next())).contains("webhook.test");

            r.answer(500);
            JsonNode failed = json(ts.call("POST", "/v1/webhooks/" + id + "/test", null));
            assertThat(failed.get("delivered").asBoolean()).isFalse();
            assertThat(failed.get("error").asString()).isEqualTo("HTTP 500");
            JsonNode listed = json(ts.call("GET", "/v1/webhooks", null)).get("webhooks").get(0);
            assertThat(listed.get("failures").asInt()).isEqualTo(1);
            assertThat(listed.get("last_error").asString()).isEqualTo("HTTP 500");

            assertThat(ts.call("DELETE", "/v1/webhooks/" + id, null).statusCode()).isEqualTo(204);
            assertProblem(ts.call("DELETE", "/v1/webhooks/" + id, null), 404, "not-found");
            assertProblem(ts.call("POST", "/v1/webhooks/" + id + "/test", null), 404, "not-found");
        }
    }
}
