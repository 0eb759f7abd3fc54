package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoy credentials (issue 13 §7) in {@code keyway run} against a real server: the decoy is exported
 * as the environment variable of its name, exactly like a placeholder, and {@code --print-env}
 * shows it; it adds no host to the child's proxy configuration.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunDecoyTest {
    Path dir;
    RunFixture f;
    String token;
    String decoy;

    @BeforeAll
    void start(@TempDir Path d) throws Exception {
        dir = d;
        f = new RunFixture(dir);
        decoy = f.admin("POST", "/v1/vaults/default/decoys", "{\"name\":\"GITHUB_ADMIN_TOKEN\",\"like\":\"github\"}")
                .get("value").asString();
        token = f.mint("default", "\"ttl\":\"1h\",\"display_name\":\"decoy-run\"").get("token").asString();
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    private Map<String, String> env() throws Exception {
        Map<String, String> env = f.cleanEnv();
        env.put("KEYWAY_TOKEN", token);
        env.put("KEYWAY_ADDR", f.base());
        env.put("KEYWAY_VAULT", "default");
        return env;
    }

    @Test
    void theChildGetsTheDecoyLikeAPlaceholder() throws Exception {
        assertThat(decoy).matches("ghp_[A-Za-z0-9]{36}");
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env(), child, "--", "sh", "-c", "echo \"$GITHUB_ADMIN_TOKEN\"");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(child.out.strip()).isEqualTo(decoy);
        assertThat(child.env).containsEntry("UP_KEY", "keyway-placeholder-up-key"); // the service placeholders are still set
        assertThat(child.env.get("NO_PROXY")).doesNotContain(",,").doesNotEndWith(",");
    }

    @Test
    void printEnvShowsTheDecoy() throws Exception {
        RunFixture.Cli p = f.run(env(), new CapturingLauncher(), "--data-dir", dir.resolve("pe").toString(), "--print-env");
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(p.out()).contains("GITHUB_ADMIN_TOKEN=" + decoy).contains("UP_KEY=keyway-placeholder-up-key");
    }
}
