package dev.keyway.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WebhookPayloadsTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final ProposalEvent EVENT = new ProposalEvent("prp_9", "default", "please <!channel> <https://evil.example|click> & go",
            "agent:a", Instant.parse("2030-01-01T00:00:00Z"), List.of("existing-credential-new-host"),
            List.of("service 'x' would send the existing credential GH to evil.example.com"),
            List.of(new ProposalEvent.Service("x", "evil.example.com")), List.of("NEW_KEY"),
            "http://127.0.0.1:9790/approve/prp_9#kw_apr_abc");

    static final DecoyEvent DECOY = new DecoyEvent(Instant.parse("2030-01-01T00:00:00Z"), "default", "OPENAI_ADMIN_KEY",
            "tok_1", "agent:<!channel>", "POST", "api.openai.com", 443, "openai", "header", "Authorization", true);

    @Test
    void decoyUsedCarriesTokenAgentAndDestinationAndEscapesForSlack() {
        JsonNode d = JSON.readTree(new String(WebhookPayloads.decoyUsed("json", DECOY), StandardCharsets.UTF_8));
        assertThat(d.get("event").asString()).isEqualTo("decoy.used");
        JsonNode a = d.get("alert");
        assertThat(a.get("decoy").asString()).isEqualTo("OPENAI_ADMIN_KEY");
        assertThat(a.get("token_id").asString()).isEqualTo("tok_1");
        assertThat(a.get("actor").asString()).isEqualTo("agent:<!channel>");
        assertThat(a.get("host").asString()).isEqualTo("api.openai.com");
        assertThat(a.get("port").asInt()).isEqualTo(443);
        assertThat(a.get("location").asString()).isEqualTo("header");
        assertThat(a.get("header").asString()).isEqualTo("Authorization");
        assertThat(a.get("token_revoked").asBoolean()).isTrue();
        String text = JSON.readTree(new String(WebhookPayloads.decoyUsed("slack", DECOY), StandardCharsets.UTF_8))
                .get("text").asString();
        assertThat(text).contains("OPENAI_ADMIN_KEY", "tok_1", "api.openai.com:443", "token revoked").doesNotContain("<!channel>")
                .contains("&lt;!channel&gt;");
    }

    @Test
    void genericJsonCarriesTheProposalAndLink() {
        JsonNode d = JSON.readTree(new String(WebhookPayloads.proposalCreated("json", EVENT), StandardCharsets.UTF_8));
        assertThat(d.get("event").asString()).isEqualTo("proposal.created");
        assertThat(d.get("approval_url").asString()).isEqualTo(EVENT.approvalUrl());
        JsonNode p = d.get("proposal");
        assertThat(p.get("id").asString()).isEqualTo("prp_9");
        assertThat(p.get("vault").asString()).isEqualTo("default");
        assertThat(p.get("flags").get(0).asString()).isEqualTo("existing-credential-new-host");
        assertThat(p.get("services").get(0).get("host").asString()).isEqualTo("evil.example.com");
        assertThat(p.get("credentials").get(0).asString()).isEqualTo("NEW_KEY");
    }

    @Test
    void slackTextWarnsLinksAndEscapesAgentText() {
        String text = JSON.readTree(new String(WebhookPayloads.proposalCreated("slack", EVENT), StandardCharsets.UTF_8))
                .get("text").asString();
        assertThat(text).startsWith(":warning: *WARNING*");
        assertThat(text).contains("<" + EVENT.approvalUrl() + "|Review proposal prp_9>");
        assertThat(text).contains("&lt;!channel&gt;").contains("&lt;https://evil.example|click&gt;").contains("&amp; go");
        assertThat(text).doesNotContain("<!channel>");
    }

    @ParameterizedTest
    @CsvSource({
        "https://hooks.slack.com/services/T0/B0/XYZ, https://hooks.slack.com/…",
        "http://127.0.0.1:8080/, http://127.0.0.1:8080/",
        "http://example.com?token=abc, http://example.com/…"})
    void urlsAreShownRedacted(String url, String shown) {
        assertThat(WebhookUrls.redact(url)).isEqualTo(shown);
    }
}
