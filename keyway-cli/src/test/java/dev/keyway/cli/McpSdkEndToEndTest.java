package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * End to end with the official MCP TypeScript SDK client ({@code @modelcontextprotocol/sdk} 1.x,
 * installed from npm into a temporary directory): it launches {@code keyway mcp} as a real process
 * over stdio against a real server, lists the tools, calls each, and the test proves that neither
 * the credential value nor the agent's token appears in anything the client received.
 */
class McpSdkEndToEndTest {
    static final String SECRET = "sk-mcpEndToEndSecret0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void theOfficialSdkClientDrivesKeywayMcp() throws Exception {
        Path sdk = installSdk(dir.resolve("node"));
        Path script = sdk.resolve("sdk-client.mjs");
        try (var in = McpSdkEndToEndTest.class.getResourceAsStream("/mcp/sdk-client.mjs")) {
            Files.copy(java.util.Objects.requireNonNull(in, "sdk-client.mjs"), script);
        }
        try (CliHarness kw = CliHarness.start(dir.resolve("data"))) {
            kw.cli("service", "add", "models", "--host", "api.openai.com", "--method", "GET", "--bearer", "OPENAI_API_KEY").ok();
            kw.cliWithStdin(SECRET, "credential", "set", "OPENAI_API_KEY").ok();
            String token = kw.cli("agent", "create", "coder", "--vault", "default:member", "--json").ok().json().get("token").asString();

            List<String> mcp = new ArrayList<>(CliAwsTest.keywayCommand());
            mcp.addAll(List.of("mcp", "--addr", kw.addr(), "--data-dir", dir.resolve("elsewhere").toString()));
            ProcessBuilder pb = new ProcessBuilder("node", script.toString(), CliHarness.JSON.writeValueAsString(mcp)).directory(dir.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("KEYWAY_") || k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
            pb.environment().put("KEYWAY_TOKEN", token);
            pb.environment().put("EXPLAIN_URL", "https://api.openai.com/v1/models");
            Path out = dir.resolve("out.json");
            Path err = dir.resolve("err.txt");
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the SDK client did not finish; stderr:\n" + Files.readString(err));
            }
            String text = Files.readString(out);
            assertThat(p.exitValue()).as("stdout:\n" + text + "\nstderr:\n" + Files.readString(err)).isZero();
            JsonNode r = CliHarness.JSON.readTree(text);

            assertThat(r.get("server").get("name").asString()).isEqualTo("keyway");
            List<String> tools = new ArrayList<>();
            r.get("tools").forEach(t -> tools.add(t.get("name").asString()));
            assertThat(tools).containsExactly("discover", "explain", "propose", "proposal_status");

            JsonNode discover = r.get("discover");
            assertThat(discover.get("isError").asBoolean()).isFalse();
            assertThat(discover.get("structuredContent").get("services").get(0).get("name").asString()).isEqualTo("models");

            JsonNode explain = r.get("explain").get("structuredContent");
            assertThat(explain.get("decision").asString()).as(r.get("explain").toString()).isEqualTo("inject");
            assertThat(explain.get("injection").get("credentials").toString()).contains("OPENAI_API_KEY");
            JsonNode denied = r.get("explainDenied").get("structuredContent");
            assertThat(denied.get("decision").asString()).isEqualTo("deny");

            assertThat(r.get("propose").get("structuredContent").get("status").asString()).isEqualTo("pending");
            assertThat(r.get("status").get("structuredContent").get("status").asString()).isEqualTo("pending");
            assertThat(r.get("badParams").get("code").asInt()).isEqualTo(-32602);

            assertThat(text).doesNotContain(SECRET).doesNotContain(token);
            assertThat(Files.readString(err)).doesNotContain(SECRET).doesNotContain(token);
        }
    }

    /** {@code npm install --prefix DIR @modelcontextprotocol/sdk@1}; a failure says so plainly. */
    static Path installSdk(Path prefix) throws IOException, InterruptedException {
        Files.createDirectories(prefix);
        Path log = prefix.resolve("npm.log");
        Process p;
        try {
            p = new ProcessBuilder("npm", "install", "--prefix", prefix.toString(), "--no-audit", "--no-fund", "--loglevel=error",
                    "@modelcontextprotocol/sdk@1").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("this test needs npm (Debian packages nodejs and npm; .ci/run installs them): " + e.getMessage(), e);
        }
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("npm install @modelcontextprotocol/sdk@1 did not finish in 300 s:\n" + Files.readString(log));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("npm could not install @modelcontextprotocol/sdk@1 (is the npm registry reachable?):\n" + Files.readString(log));
        }
        return prefix;
    }
}
