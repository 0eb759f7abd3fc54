package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.VaultService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code keyway proposal ...} end to end: an agent proposes through the CLI, the owner reviews through the CLI. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProposalCommandTest {
    static final String SECRET = "wiki-canary-ProposalCommandTest-71c2";
    static final Pattern ID = Pattern.compile("Proposal (prp_[a-z0-9]+) is pending");

    @TempDir
    static Path tmp;

    CliServer cs;
    Path agent;

    @BeforeAll
    void start() throws Exception {
        cs = new CliServer(tmp.resolve("data"));
        agent = cs.agentDir(tmp, "cli-agent", "proxy");
    }

    @AfterAll
    void stop() {
        cs.close();
    }

    static String idOf(CliServer.Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        Matcher m = ID.matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        return m.group(1);
    }

    @Test
    void proposeShowApproveWithAValueFile() throws Exception {
        CliServer.Result c = cs.run(agent, "proposal create", "--service", "wiki", "--host", "api.wiki.example.com",
                "--bearer", "WIKI_TOKEN", "--method", "GET", "--credential", "WIKI_TOKEN=read-only wiki token", "-m", "need the wiki");
        String id = idOf(c);
        assertThat(c.out()).contains("Approval URL (give it to a human to review): http://127.0.0.1:" + cs.server.apiPort() + "/approve/" + id + "#kw_apr_");
        assertThat(c.out()).doesNotContain("WARNING");

        CliServer.Result shown = cs.run(agent, "proposal show", id);
        assertThat(shown.out()).contains("Proposal " + id + " (pending) in vault default").contains("Message: need the wiki")
                .contains("wiki  api.wiki.example.com").contains("WIKI_TOKEN (no value yet): read-only wiki token");
        assertThat(cs.admin("proposal list", "--status", "pending").out()).contains(id).contains("wiki");

        Path value = tmp.resolve("wiki-token.txt");
        Files.writeString(value, SECRET + "\n");
        CliServer.Result a = cs.admin("proposal approve", id, "--value-file", "WIKI_TOKEN=" + value);
        assertThat(a.exit()).as(a.err()).isZero();
        assertThat(a.out()).contains("Approved proposal " + id).contains("Added services: wiki").contains("Set credentials: WIKI_TOKEN")
                .doesNotContain(SECRET);
        VaultService vs = cs.server.vaultServiceForTests();
        assertThat(new String(vs.decrypt(vs.credential("default", "WIKI_TOKEN")), StandardCharsets.UTF_8)).isEqualTo(SECRET);
        assertThat(cs.run(agent, "proposal show", id).out()).contains("(approved)").contains("Decided by local-admin");
        // deciding twice is a conflict (exit 5)
        assertThat(cs.admin("proposal reject", id).exit()).isEqualTo(ExitCodes.CONFLICT);
    }

    @Test
    void flaggedProposalsPrintAWarning() throws Exception {
        cs.api("PUT", "/v1/vaults/default/credentials/CLI_GH", "{\"value\":\"v\"}");
        cs.api("POST", "/v1/vaults/default/services", "{\"name\":\"cli-gh\",\"host\":\"api.github.com\",\"inject\":{\"bearer\":\"CLI_GH\"}}");
        Path f = tmp.resolve("proposal.json");
        Files.writeString(f, "{\"services\":[{\"name\":\"cli-exfil\",\"host\":\"drop.example.org\",\"inject\":{\"bearer\":\"CLI_GH\"}}],"
                + "\"message\":\"upload results\"}");
        CliServer.Result c = cs.run(agent, "proposal create", "-f", f.toString());
        String id = idOf(c);
        assertThat(c.out()).startsWith("WARNING: service 'cli-exfil' would send the existing credential CLI_GH to drop.example.org");
        CliServer.Result shown = cs.admin("proposal show", id);
        assertThat(shown.out().lines().findFirst().orElseThrow()).startsWith("WARNING: ").contains("CLI_GH").contains("api.github.com");
        assertThat(shown.out()).contains("Flags: existing-credential-new-host");
        assertThat(cs.admin("proposal list").out()).contains("WARNING existing-credential-new-host");
        CliServer.Result json = cs.admin("proposal show", id, "--json");
        assertThat(ApiClient.JSON.readTree(json.out()).get("flags").get(0).asString()).isEqualTo("existing-credential-new-host");
        // approving prints the warning again before applying
        CliServer.Result a = cs.admin("proposal approve", id);
        assertThat(a.out()).startsWith("WARNING: ").contains("Approved proposal " + id);
    }

    @Test
    void rejectWithReasonAndApproveLeavingASlotForLater() {
        String id = idOf(cs.run(agent, "proposal create", "--credential", "LATER_KEY", "-m", "for the nightly job"));
        assertThat(cs.admin("proposal reject", id, "--reason", "use the shared key").out()).contains("Rejected proposal " + id);
        assertThat(cs.run(agent, "proposal show", id).out()).contains("(rejected)").contains(": use the shared key");

        String id2 = idOf(cs.run(agent, "proposal create", "--credential", "LATER_KEY2", "-m", "for the nightly job"));
        CliServer.Result a = cs.admin("proposal approve", id2);
        assertThat(a.exit()).as(a.err()).isZero();
        assertThat(a.out()).contains("Credential LATER_KEY2 has no value yet; set it with: keyway credential set LATER_KEY2 --vault default");
    }

    @Test
    void createJsonAndUsageErrors() {
        CliServer.Result j = cs.run(agent, "proposal create", "--service", "jsonsvc", "--host", "api.json.example.com",
                "--passthrough", "-m", "m", "--json");
        assertThat(j.exit()).as(j.err()).isZero();
        JsonNode r = ApiClient.JSON.readTree(j.out());
        assertThat(r.get("status").asString()).isEqualTo("pending");
        assertThat(r.get("approval_url").asString()).contains("#kw_apr_");

        assertThat(cs.run(agent, "proposal create", "--credential", "NO_MESSAGE").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cs.run(agent, "proposal create", "--host", "h.example.com", "-m", "m").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cs.run(agent, "proposal create", "--service", "x", "--host", "h.example.com", "-m", "m").exit()).isEqualTo(ExitCodes.USAGE);
        CliServer.Result invalid = cs.run(agent, "proposal create", "--service", "bad", "--host", "localhost", "--passthrough", "-m", "m");
        assertThat(invalid.exit()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(invalid.err()).contains("services[0]");
        assertThat(cs.admin("proposal show", "prp_nothere").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        // the proposer cannot approve its own proposal
        String id = idOf(cs.run(agent, "proposal create", "--credential", "OWN_KEY", "-m", "m"));
        assertThat(cs.run(agent, "proposal approve", id).exit()).isEqualTo(ExitCodes.PERMISSION);
    }

    @Test
    void approvedProposalReachesARestrictedAgentAndDiscoverShowsIt() throws Exception {
        cs.api("POST", "/v1/vaults/default/services", "{\"name\":\"cli-openai\",\"host\":\"api.openai.com\",\"inject\":{\"bearer\":\"CLI_OAI\"}}");
        JsonNode made = cs.api("POST", "/v1/agents", "{\"name\":\"cli-claude\",\"vaults\":[{\"vault\":\"default\"}],"
                + "\"services\":[\"cli-openai\"]}");
        Path claude = Files.createDirectories(tmp.resolve("cli-claude"));
        Files.writeString(claude.resolve("admin-token"), made.get("token").asString() + "\n");
        String id = idOf(cs.run(claude, "proposal create", "--service", "cli-github", "--host", "api.github.com",
                "--bearer", "CLI_GH_NEW", "--credential", "CLI_GH_NEW", "-m", "need github"));
        assertThat(cs.run(claude, "discover").out()).contains("cli-openai").doesNotContain("cli-github");

        assertThat(cs.admin("proposal show", id).out()).contains("Approving also grants agent cli-claude the service cli-github");
        CliServer.Result a = cs.admin("proposal approve", id);
        assertThat(a.exit()).as(a.err()).isZero();
        assertThat(a.out()).contains("Added services: cli-github; agent cli-claude was granted cli-github and can use them now");
        assertThat(cs.run(claude, "discover").out()).contains("cli-openai").contains("cli-github");
    }

    @Test
    void approvalNeverSaysAddedWithoutSayingTheProposerCannotUseIt() throws Exception {
        cs.api("POST", "/v1/vaults", "{\"name\":\"cli-other\"}");
        cs.api("POST", "/v1/vaults/cli-other/services", "{\"name\":\"cli-twin\",\"host\":\"api.twin.example.com\",\"inject\":\"none\"}");
        JsonNode made = cs.api("POST", "/v1/agents", "{\"name\":\"cli-two\",\"vaults\":[{\"vault\":\"default\"},"
                + "{\"vault\":\"cli-other\"}],\"services\":[\"cli-openai-x\"]}");
        Path two = Files.createDirectories(tmp.resolve("cli-two"));
        Files.writeString(two.resolve("admin-token"), made.get("token").asString() + "\n");
        String id = idOf(cs.run(two, "proposal create", "--vault", "default", "--service", "cli-twin", "--host", "api.twin-a.example.com",
                "--passthrough", "-m", "need twin"));
        assertThat(cs.admin("proposal show", id).out()).contains("Approving does not grant agent cli-two cli-twin");
        CliServer.Result a = cs.admin("proposal approve", id);
        assertThat(a.exit()).as(a.err()).isZero();
        assertThat(a.out()).contains("Added services: cli-twin")
                .contains("Not granted to the proposing agent: cli-twin (a service of that name exists in another of its vaults)");
    }

    @Test
    void setServicesWidensAndNarrowsAnAgent() throws Exception {
        cs.api("POST", "/v1/agents", "{\"name\":\"cli-reshape\",\"vaults\":[{\"vault\":\"default\"}],\"services\":[\"a\"]}");
        CliServer.Result w = cs.admin("agent set-services", "cli-reshape", "a,b");
        assertThat(w.exit()).as(w.err()).isZero();
        assertThat(w.out()).contains("Agent cli-reshape may now use a, b");
        assertThat(cs.api("GET", "/v1/agents/cli-reshape", null).get("services").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(cs.admin("agent set-services", "cli-reshape", "--all").out()).contains("every service of its vaults");
        assertThat(cs.api("GET", "/v1/agents/cli-reshape", null).get("services").isNull()).isTrue();
        assertThat(cs.admin("agent set-services", "cli-reshape").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cs.admin("agent set-services", "cli-reshape", "a", "--all").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cs.admin("agent set-services", "nobody", "a").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(cs.admin("agent set-services", "cli-reshape", "Bad Name").exit()).isEqualTo(ExitCodes.CONFLICT);
    }

    @Test
    void reviewNeedsATerminal() {
        CliServer.Result r = cs.admin("proposal review");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("needs a terminal");
    }

    /** A scripted terminal. */
    static final class Script implements Prompter {
        final Deque<String> lines = new ArrayDeque<>();
        final Deque<String> secrets = new ArrayDeque<>();

        @Override
        public String line(String prompt) {
            return lines.poll();
        }

        @Override
        public char[] secret(String prompt) {
            String s = secrets.poll();
            return s == null ? null : s.toCharArray();
        }
    }

    @Test
    void reviewLoopApprovesRejectsAndSkips() throws Exception {
        cs.api("POST", "/v1/vaults", "{\"name\":\"review\"}");
        Path reviewAgent = tmp.resolve("review-agent");
        Files.createDirectories(reviewAgent);
        Files.writeString(reviewAgent.resolve("admin-token"),
                cs.api("POST", "/v1/tokens", "{\"vault\":\"review\",\"ttl\":\"1h\"}").get("token").asString());
        String skip = idOf(cs.run(reviewAgent, "proposal create", "--credential", "R_SKIP", "-m", "third"));
        String reject = idOf(cs.run(reviewAgent, "proposal create", "--credential", "R_REJECT", "-m", "second"));
        String approve = idOf(cs.run(reviewAgent, "proposal create", "--credential", "R_APPROVE", "-m", "first"));

        Script s = new Script();
        s.lines.addAll(List.of("maybe", "a", "r", "too broad", "s"));
        s.secrets.add("review-secret-value");
        StringWriter out = new StringWriter();
        ProposalReview.run(ApiClient.create(cs.addr(), cs.dataDir), "review", s, new PrintWriter(out, true));

        assertThat(out.toString()).contains("[1/3]").contains("Please answer a, r, s or q.").contains("Set credentials: R_APPROVE")
                .contains("Rejected proposal " + reject).contains("Approved 1, rejected 1, skipped 1.");
        assertThat(cs.api("GET", "/v1/proposals/" + approve, null).get("status").asString()).isEqualTo("approved");
        assertThat(cs.api("GET", "/v1/proposals/" + reject, null).get("reason").asString()).isEqualTo("too broad");
        assertThat(cs.api("GET", "/v1/proposals/" + skip, null).get("status").asString()).isEqualTo("pending");
        VaultService vs = cs.server.vaultServiceForTests();
        assertThat(new String(vs.decrypt(vs.credential("review", "R_APPROVE")), StandardCharsets.UTF_8)).isEqualTo("review-secret-value");
    }
}
