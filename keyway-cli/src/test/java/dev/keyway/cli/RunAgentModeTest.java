package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Agent mode (KEYWAY_TOKEN/KEYWAY_ADDR/KEYWAY_VAULT, no login) against a real server: the token is
 * validated before anything starts, with messages naming the variable to fix; plus the child's
 * environment hygiene, exit codes, and the human-mode token lifecycle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunAgentModeTest {
    Path dir;
    RunFixture f;
    String token;

    @BeforeAll
    void start(@TempDir Path d) throws Exception {
        dir = d;
        f = new RunFixture(dir);
        token = f.mint("default", "\"ttl\":\"1h\",\"display_name\":\"agent-mode\"").get("token").asString();
        f.admin("POST", "/v1/vaults", "{\"name\":\"other\"}");
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    private Map<String, String> env(String tok, String vault) throws Exception {
        Map<String, String> env = f.cleanEnv();
        env.put("KEYWAY_TOKEN", tok);
        env.put("KEYWAY_ADDR", f.base());
        if (vault != null) {
            env.put("KEYWAY_VAULT", vault);
        }
        return env;
    }

    @Test
    void validTokenRunsTheChildWithTheSuppliedTokenUntouched() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env(token, "default"), child, "--", "sh", "-c", "echo \"$KEYWAY_VAULT $UP_KEY\"");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(child.out).startsWith("default keyway-placeholder-up-key");
        assertThat(child.env).containsEntry("KEYWAY_TOKEN", token).containsEntry("KEYWAY_ADDR", f.base());
        JsonNode t = f.admin("POST", "/v1/tokens/lookup", "{\"token\":\"" + token + "\"}");
        assertThat(t.get("revoked").asBoolean()).as("a supplied token is never revoked").isFalse();
    }

    @Test
    void vaultComesFromTheTokenWhenKeywayVaultIsUnset() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env(token, null), child, "--", "true");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(child.env).containsEntry("KEYWAY_VAULT", "default");
        assertThat(child.env.get("HTTPS_PROXY")).endsWith(":default@127.0.0.1:" + f.server.proxyPort());
    }

    @Test
    void badTokenFailsBeforeTheChildStarts() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env("kw_tok_notarealtoken", "default"), child, "--", "true");
        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION);
        assertThat(r.err()).contains("KEYWAY_TOKEN").contains("token is not valid").contains("nothing was started");
        assertThat(child.started()).isFalse();
    }

    @Test
    void revokedTokenSaysSo() throws Exception {
        JsonNode t = f.mint("default", "\"ttl\":\"1h\"");
        f.admin("POST", "/v1/tokens/revoke", "{\"accessor\":\"" + t.get("accessor").asString() + "\"}");
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env(t.get("token").asString(), "default"), child, "--", "true");
        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION);
        assertThat(r.err()).contains("KEYWAY_TOKEN").contains("revoked");
        assertThat(child.started()).isFalse();
    }

    @Test
    void vaultMismatchNamesBothVaults() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env(token, "other"), child, "--", "true");
        assertThat(r.exit()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(r.err()).contains("bound to vault 'default'").contains("KEYWAY_VAULT asks for vault 'other'")
                .contains("KEYWAY_VAULT=default");
        assertThat(child.started()).isFalse();

        RunFixture.Cli flag = f.run(env(token, null), new CapturingLauncher(), "--vault", "other", "--", "true");
        assertThat(flag.exit()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(flag.err()).contains("--vault asks for vault 'other'");
    }

    @Test
    void ttlIsRejectedInAgentMode() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env(token, "default"), child, "--ttl", "1h", "--", "true");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--ttl cannot be used with KEYWAY_TOKEN");
        assertThat(child.started()).isFalse();
    }

    @Test
    void missingAddressIsAClearError() throws Exception {
        Map<String, String> env = env(token, "default");
        env.remove("KEYWAY_ADDR");
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env, child, "--", "true");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("KEYWAY_TOKEN is set").contains("KEYWAY_ADDR is not");
        assertThat(child.started()).isFalse();
    }

    @Test
    void unreachableServerNamesTheAddress() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = env(token, "default");
        env.put("KEYWAY_ADDR", "http://127.0.0.1:" + port);
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env, child, "--", "true");
        assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.err()).contains("cannot reach Keyway").contains("KEYWAY_ADDR");
        assertThat(child.started()).isFalse();
    }

    @Test
    void staleInheritedVariablesAreRemoved() throws Exception {
        Map<String, String> env = env(token, "default");
        env.put("HTTPS_PROXY", "http://stale:1");
        env.put("Https_Proxy", "http://stale:2");
        env.put("all_proxy", "socks5://stale:3");
        env.put("NO_PROXY", "*");
        env.put("KEYWAY_HOME", "/stale/home");
        env.put("SSL_CERT_FILE", "/stale/bundle.pem");
        env.put("SSL_CERT_DIR", "/stale/certs");
        env.put("NODE_EXTRA_CA_CERTS", "/stale/ca.pem");
        env.put("JAVA_TOOL_OPTIONS", "-Xmx64m -Dhttps.proxyHost=stale -javaagent:/old/keyway-agent.jar");
        env.put("UP_KEY", "a-real-key-that-must-not-leak");
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env, child, "--", "true");
        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, String> c = child.env;
        assertThat(c).doesNotContainKeys("Https_Proxy", "KEYWAY_HOME", "SSL_CERT_DIR");
        assertThat(c.get("HTTPS_PROXY")).startsWith("http://kw_tok_");
        assertThat(c.get("all_proxy")).isEqualTo(c.get("HTTPS_PROXY"));
        assertThat(c.get("NO_PROXY")).doesNotContain("*").doesNotContain("localhost").contains("127.0.0.1");
        assertThat(c.get("SSL_CERT_FILE")).endsWith("/ca-bundle.pem");
        assertThat(c.get("NODE_EXTRA_CA_CERTS")).endsWith("/keyway-ca.pem");
        assertThat(c.get("JAVA_TOOL_OPTIONS")).startsWith("-Xmx64m ").doesNotContain("stale").doesNotContain("/old/")
                .contains("-Dhttps.proxyPort=" + f.server.proxyPort());
        assertThat(c).containsEntry("UP_KEY", "keyway-placeholder-up-key");
        assertThat(c.values()).noneMatch(v -> v.contains("a-real-key-that-must-not-leak"));
    }

    @Test
    void exitCodesPropagate() throws Exception {
        RunFixture.Cli seven = f.run(env(token, "default"), new CapturingLauncher(), "--", "sh", "-c", "exit 7");
        assertThat(seven.exit()).isEqualTo(7);
        RunFixture.Cli killed = f.run(env(token, "default"), new CapturingLauncher(), "--", "sh", "-c", "kill -TERM $$");
        assertThat(killed.exit()).as("killed by SIGTERM: 128+15").isEqualTo(143);
        RunFixture.Cli missing = f.run(env(token, "default"), new CapturingLauncher(), "--", "no-such-program-keyway-test");
        assertThat(missing.exit()).isEqualTo(127);
        assertThat(missing.err()).contains("command not found");
    }

    @Test
    void optionsAfterTheProgramBelongToTheProgram() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env(token, "default"), child, "-q", "echo", "--vault", "x", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(child.out).isEqualTo("--vault x -q\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void printEnvMasksTheTokenAndShellExportsIt() throws Exception {
        RunFixture.Cli p = f.run(env(token, "default"), new CapturingLauncher(), "--data-dir", dir.resolve("pe").toString(), "--print-env");
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(p.out()).contains("KEYWAY_TOKEN=kw_tok_****").contains("HTTPS_PROXY=http://kw_tok_****:default@")
                .doesNotContain(token).contains("UP_KEY=keyway-placeholder-up-key");
        RunFixture.Cli s = f.run(env(token, "default"), new CapturingLauncher(), "--data-dir", dir.resolve("pe").toString(), "--shell");
        assertThat(s.exit()).as(s.err()).isZero();
        assertThat(s.out()).contains("export KEYWAY_TOKEN='" + token + "'").contains("export SSL_CERT_FILE='" + dir.resolve("pe/run"));
        assertThat(dir.resolve("pe/run/ca-bundle.pem")).exists();
    }

    @Test
    void humanModeKeepTokenLeavesTheRunTokenValid() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(f.cleanEnv(), child, "--data-dir", f.humanDataDir().toString(), "--addr", f.base(), "--keep-token",
                "--ttl", "10m", "--services", "up", "--", "true");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode t = f.admin("POST", "/v1/tokens/lookup", "{\"token\":\"" + child.env.get("KEYWAY_TOKEN") + "\"}");
        assertThat(t.get("revoked").asBoolean()).isFalse();
        assertThat(t.get("services").toString()).isEqualTo("[\"up\"]");
        assertThat(child.env).containsKey("UP_KEY").doesNotContainKey("GIT_KEY");
    }

    @Test
    void humanModeWithoutALoginSaysHowToLogIn() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(f.cleanEnv(), child, "--data-dir", dir.resolve("nobody").toString(), "--addr", f.base(), "--", "true");
        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION);
        assertThat(r.err()).contains("not logged in").contains("keyway login").contains("KEYWAY_TOKEN");
        assertThat(child.started()).isFalse();
    }
}
