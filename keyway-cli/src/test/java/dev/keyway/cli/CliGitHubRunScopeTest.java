package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyway run --github-repos/--github-permissions}: the narrowing is bound to the run's
 * token before the program starts (audited), set once (a second run with the same token cannot
 * widen it), refused for agent tokens and for bad entries, and then nothing is started. What the
 * proxy does with it is proven end to end in {@code OAuthCredentialEndToEndTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliGitHubRunScopeTest {
    @TempDir
    static Path dir;

    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        kw = CliHarness.start(dir.resolve("data"));
        kw.cli("vault", "create", "gh").ok();
    }

    @AfterAll
    void stop() {
        kw.close();
    }

    String token() {
        return kw.cli("token", "create", "--vault", "gh", "--ttl", "1h", "--json").ok().json().get("token").asString();
    }

    @Test
    void runBindsTheNarrowingToItsTokenOnceBeforeTheProgramStarts() throws Exception {
        String runToken = token();
        Execution run = run(runToken, "--github-repos", "octo/api,docs", "--github-permissions", "contents:read,issues:write",
                "--no-install-skill", "--", "true");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.child().command).isNotNull();
        String audit = AuditFiles.await(kw.dataDir(), "\"github.run_scope\"", "octo/api");
        assertThat(audit).contains("\"contents\":\"read\"").contains("\"issues\":\"write\"");

        Execution again = run(runToken, "--github-permissions", "contents:write", "--no-install-skill", "--", "true");
        assertThat(again.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(again.err()).contains("the run's GitHub narrowing was refused").contains("already has a GitHub narrowing");
        assertThat(again.child().command).as("nothing started").isNull();
    }

    @Test
    void agentTokensAndBadEntriesAreRefusedAndNothingStarts() throws Exception {
        String agentToken = kw.cli("agent", "create", "ghbot", "--vault", "gh", "--json").ok().json().get("token").asString();
        Execution agent = run(agentToken, "--github-repos", "octo/api", "--no-install-skill", "--", "true");
        assertThat(agent.code()).isEqualTo(ExitCodes.PERMISSION);
        assertThat(agent.err()).contains("run's own token").contains("agent token");
        assertThat(agent.child().command).isNull();

        Execution badPermission = run(token(), "--github-permissions", "contents", "--no-install-skill", "--", "true");
        assertThat(badPermission.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badPermission.err()).contains("--github-permissions").contains("PERMISSION:LEVEL");
        assertThat(badPermission.child().command).isNull();

        Execution badRepo = run(token(), "--github-repos", "octo/a/b", "--no-install-skill", "--", "true");
        assertThat(badRepo.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(badRepo.err()).contains("OWNER/NAME");
        assertThat(badRepo.child().command).isNull();
    }

    record Execution(int code, String err, CapturingLauncher child) {}

    Execution run(String token, String... args) throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Main.commandLine(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!dev.keyway.cli.run.ChildEnv.isStale(k)) {
                env.put(k, v);
            }
        });
        env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        env.put("KEYWAY_ADDR", kw.addr());
        env.put("KEYWAY_TOKEN", token);
        env.put("KEYWAY_VAULT", "gh");
        rc.environment = env;
        CapturingLauncher child = new CapturingLauncher();
        rc.launcher = child;
        List<String> argv = new ArrayList<>(List.of("run"));
        argv.addAll(List.of(args));
        int code = cl.execute(argv.toArray(String[]::new));
        return new Execution(code, err.toString(), child);
    }
}
