package dev.keyway.cli.keep;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class KeepPolicyTest {
    static final Expected E = new Expected("build-box", "ci", "proxy", Duration.ofHours(768));

    static TokenFacts t(String accessor, String type, String name, String vault, String role, Duration period, boolean revoked) {
        return new TokenFacts("id-" + accessor, accessor, type, name, vault, role, period, null, null, revoked);
    }

    static final Duration P = Duration.ofHours(768);

    static List<Object[]> classifications() {
        return List.of(
                new Object[] {"ours", t("a", "scoped", "build-box", "ci", "proxy", P, false), List.of()},
                new Object[] {"session from keyway login", t("a", "session", "owner@x", null, null, null, false),
                    List.of("type session (not a scoped token)", "display name 'owner@x'", "vault (none)", "role (none)", "not periodic")},
                new Object[] {"admin token", t("a", "admin", "local-admin", null, null, null, false),
                    List.of("type admin (not a scoped token)", "display name 'local-admin'", "vault (none)", "role (none)", "not periodic")},
                new Object[] {"same name, other vault", t("a", "scoped", "build-box", "prod", "proxy", P, false), List.of("vault 'prod'")},
                new Object[] {"same name, not periodic", t("a", "scoped", "build-box", "ci", "proxy", null, false), List.of("not periodic")},
                new Object[] {"same name, other period", t("a", "scoped", "build-box", "ci", "proxy", Duration.ofHours(24), false),
                    List.of("period 1d")},
                new Object[] {"other display name", t("a", "scoped", "laptop", "ci", "proxy", P, false), List.of("display name 'laptop'")},
                new Object[] {"revoked", t("a", "scoped", "build-box", "ci", "proxy", P, true), List.of("revoked")},
                new Object[] {"agent token", t("a", "agent", "build-box", null, null, P, false),
                    List.of("type agent (not a scoped token)", "vault (none)", "role (none)")});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("classifications")
    void classify(String name, TokenFacts facts, List<String> differences) {
        KeepPolicy.Verdict v = KeepPolicy.classify(facts, E);
        if (differences.isEmpty()) {
            assertThat(v).isInstanceOf(KeepPolicy.Verdict.Ours.class);
        } else {
            assertThat(v).isInstanceOfSatisfying(KeepPolicy.Verdict.Foreign.class, f -> assertThat(f.differences()).isEqualTo(differences));
        }
    }

    static final List<TokenFacts> TOKENS = List.of(
            t("new", "scoped", "build-box", "ci", "proxy", P, false),
            t("old1", "scoped", "build-box", "ci", "proxy", P, false),
            t("old2", "scoped", "build-box", "prod", "proxy", Duration.ofHours(1), false),
            t("gone", "scoped", "build-box", "ci", "proxy", P, true),
            t("ttl", "scoped", "build-box", "ci", "proxy", null, false),
            t("other", "scoped", "laptop", "ci", "proxy", P, false),
            t("agent", "agent", "build-box", null, null, P, false),
            t("", "scoped", "build-box", "ci", "proxy", P, false));

    @ParameterizedTest(name = "keep {0}")
    @CsvSource(value = {"new, old1;old2", "old1, new;old2", "unknown-accessor, new;old1;old2", "'', ''", "NULL, ''"}, nullValues = "NULL")
    void staleAccessors(String keep, String expected) {
        List<String> want = expected.isEmpty() ? List.of() : List.of(expected.split(";"));
        assertThat(KeepPolicy.staleAccessors(TOKENS, "build-box", keep)).isEqualTo(want);
    }

    @ParameterizedTest
    @CsvSource({"token has expired, EXPIRED", "token has been revoked, REVOKED", "the agent behind this token has been revoked or deleted, REVOKED",
        "token is not valid, INVALID", "'', INVALID"})
    void rejection(String detail, KeepPolicy.Rejection r) {
        assertThat(KeepPolicy.rejection(detail)).isEqualTo(r);
    }
}
