package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.cli.CliException;
import dev.keyway.cli.ExitCodes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunModeTest {
    static final RunMode.Flags NONE = new RunMode.Flags(null, null, null, null, false);
    static final RunMode.LocalLogin SESSION = new RunMode.LocalLogin("kw_ses_x", "your login session", "http://saved:9790/", null);

    static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void keywayTokenMeansAgentMode() {
        RunMode m = RunMode.resolve(env("KEYWAY_TOKEN", " kw_tok_a ", "KEYWAY_ADDR", "http://k:1/", "KEYWAY_VAULT", "v"), NONE, SESSION, null);
        assertThat(m).isEqualTo(new RunMode.Agent("http://k:1", "kw_tok_a", "v", "KEYWAY_VAULT"));
        RunMode flag = RunMode.resolve(env("KEYWAY_TOKEN", "t", "KEYWAY_VAULT", "v"), new RunMode.Flags("http://f:2", "w", null, null, false),
                null, null);
        assertThat(flag).isEqualTo(new RunMode.Agent("http://f:2", "t", "w", "--vault"));
    }

    @Test
    void agentModeRefusals() {
        assertThatThrownBy(() -> RunMode.resolve(env("KEYWAY_TOKEN", "t"), NONE, null, null)).isInstanceOf(CliException.class)
                .hasMessageContaining("KEYWAY_ADDR").extracting(e -> ((CliException) e).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThatThrownBy(() -> RunMode.resolve(env("KEYWAY_TOKEN", "t", "KEYWAY_ADDR", "http://k:1"),
                new RunMode.Flags(null, null, "1h", null, false), null, null)).hasMessageContaining("--ttl");
        assertThatThrownBy(() -> RunMode.resolve(env("KEYWAY_TOKEN", "t", "KEYWAY_ADDR", "http://k:1"),
                new RunMode.Flags(null, null, null, List.of("a"), false), null, null)).hasMessageContaining("--services");
    }

    @Test
    void humanModeUsesTheLoginAndDefaults() {
        RunMode m = RunMode.resolve(env("KEYWAY_TOKEN", "  "), NONE, SESSION, null);
        assertThat(m).isEqualTo(new RunMode.Human("http://saved:9790", "kw_ses_x", "your login session", null, "8h", null, false));
        RunMode e = RunMode.resolve(env("KEYWAY_ADDR", "http://env:3", "KEYWAY_VAULT", "v"),
                new RunMode.Flags(null, null, "2h", List.of("a"), true), new RunMode.LocalLogin("t", "admin", null, null), null);
        assertThat(e).isEqualTo(new RunMode.Human("http://env:3", "t", "admin", "v", "2h", List.of("a"), true));
        assertThat(RunMode.resolve(env(), NONE, new RunMode.LocalLogin("t", "admin", null, null), null).addr()).isEqualTo(RunMode.DEFAULT_ADDR);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "session ends in {0}s -> {1}")
    @org.junit.jupiter.params.provider.CsvSource({"43200, 8h", "3600, 3570s", "28829, 28799s", "28830, 8h", "60, 8h", "-5, 8h"})
    void runTokenNeverOutlivesTheSession(long secondsLeft, String ttl) {
        java.time.Instant now = java.time.Instant.parse("2030-01-01T00:00:00Z");
        RunMode.LocalLogin s = new RunMode.LocalLogin("t", "session", null, now.plusSeconds(secondsLeft));
        assertThat(((RunMode.Human) RunMode.resolve(env(), NONE, s, null, now)).ttl()).isEqualTo(ttl);
        assertThat(((RunMode.Human) RunMode.resolve(env(), new RunMode.Flags(null, null, "1h", null, false), s, null, now)).ttl())
                .isEqualTo("1h");
    }

    @Test
    void humanModeWithoutLoginExplainsBothWays() {
        assertThatThrownBy(() -> RunMode.resolve(env(), NONE, null, "your login session (a@b) expired at X"))
                .hasMessageStartingWith("your login session (a@b) expired at X: run 'keyway login'")
                .hasMessageContaining("KEYWAY_TOKEN, KEYWAY_ADDR and KEYWAY_VAULT");
    }
}
