package dev.keyway.core.keep;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The drift guard's decisions for both keepers: Keyway's own periodic tokens ({@code keyway token
 * keep}: scope vault and role) and a Vault source's token file (scope policies).
 */
class KeepPolicyTest {
    static final Duration P = Duration.ofHours(768);

    static SequencedMap<String, String> keyway(@Nullable String vault, @Nullable String role) {
        SequencedMap<String, String> m = new LinkedHashMap<>();
        if (vault != null) {
            m.put("vault", vault);
        }
        if (role != null) {
            m.put("role", role);
        }
        return m;
    }

    static SequencedMap<String, String> policies(String p) {
        SequencedMap<String, String> m = new LinkedHashMap<>();
        m.put("policies", p);
        return m;
    }

    /** What {@code keyway token keep --display-name build-box --vault ci --role proxy --period 768h} expects. */
    static final TokenExpectation E = new TokenExpectation("scoped", "build-box", keyway("ci", "proxy"), P);
    /** A Vault source that pinned its policies and period, any display name. */
    static final TokenExpectation V = new TokenExpectation("service", null, policies("kv-read"), Duration.ofHours(1));

    static TokenIdentity t(String accessor, String type, String name, @Nullable String vault, @Nullable String role,
            @Nullable Duration period, boolean revoked) {
        return new TokenIdentity(accessor, type, name, keyway(vault, role), period, revoked);
    }

    static TokenIdentity v(String accessor, String type, String name, String pol, @Nullable Duration period) {
        return new TokenIdentity(accessor, type, name, policies(pol), period, false);
    }

    static List<Object[]> classifications() {
        return List.of(
                new Object[] {"ours", E, t("a", "scoped", "build-box", "ci", "proxy", P, false), List.of()},
                new Object[] {"session from keyway login", E, t("a", "session", "owner@x", null, null, null, false),
                    List.of("type session (not a scoped token)", "display name 'owner@x'", "vault (none)", "role (none)", "not periodic")},
                new Object[] {"admin token", E, t("a", "admin", "local-admin", null, null, null, false),
                    List.of("type admin (not a scoped token)", "display name 'local-admin'", "vault (none)", "role (none)", "not periodic")},
                new Object[] {"same name, other vault", E, t("a", "scoped", "build-box", "prod", "proxy", P, false), List.of("vault 'prod'")},
                new Object[] {"same name, other role", E, t("a", "scoped", "build-box", "ci", "member", P, false), List.of("role 'member'")},
                new Object[] {"same name, not periodic", E, t("a", "scoped", "build-box", "ci", "proxy", null, false), List.of("not periodic")},
                new Object[] {"same name, other period", E, t("a", "scoped", "build-box", "ci", "proxy", Duration.ofHours(24), false),
                    List.of("period 1d")},
                new Object[] {"other display name", E, t("a", "scoped", "laptop", "ci", "proxy", P, false), List.of("display name 'laptop'")},
                new Object[] {"revoked", E, t("a", "scoped", "build-box", "ci", "proxy", P, true), List.of("revoked")},
                new Object[] {"agent token", E, t("a", "agent", "build-box", null, null, P, false),
                    List.of("type agent (not a scoped token)", "vault (none)", "role (none)")},
                new Object[] {"vault: ours, any name", V, v("a", "service", "token-keyway-vault", "kv-read", Duration.ofHours(1)), List.of()},
                new Object[] {"vault: an admin's vault login", V, v("a", "service", "userpass-alice", "admin,ops", null),
                    List.of("policies 'admin,ops'", "not periodic")},
                new Object[] {"vault: root", V, v("a", "service", "root", "root", null), List.of("policies 'root'", "not periodic")},
                new Object[] {"vault: batch token", V, v("a", "batch", "token", "kv-read", Duration.ofHours(1)),
                    List.of("type batch (not a service token)")},
                new Object[] {"vault: other period", V, v("a", "service", "x", "kv-read", Duration.ofMinutes(30)), List.of("period 30m")},
                new Object[] {"vault: period not pinned", new TokenExpectation("service", null, policies("kv-read"), null),
                    v("a", "service", "x", "kv-read", null), List.of()});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("classifications")
    void classify(String name, TokenExpectation e, TokenIdentity facts, List<String> differences) {
        KeepPolicy.Verdict v = KeepPolicy.classify(facts, e);
        if (differences.isEmpty()) {
            assertThat(v).isInstanceOf(KeepPolicy.Verdict.Ours.class);
            assertThat(KeepPolicy.action(v)).isEqualTo(KeepPolicy.Action.RENEW);
            assertThat(KeepPolicy.acceptMinted(facts, e)).isTrue();
        } else {
            assertThat(v).isInstanceOfSatisfying(KeepPolicy.Verdict.Foreign.class, f -> assertThat(f.differences()).isEqualTo(differences));
            assertThat(KeepPolicy.action(v)).isEqualTo(KeepPolicy.Action.HEAL);
            assertThat(KeepPolicy.acceptMinted(facts, e)).isFalse();
        }
    }

    static final List<TokenIdentity> TOKENS = List.of(
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
    void staleAccessors(@Nullable String keep, String expected) {
        List<String> want = expected.isEmpty() ? List.of() : List.of(expected.split(";"));
        assertThat(KeepPolicy.staleAccessors(TOKENS, E, keep)).isEqualTo(want);
    }

    @ParameterizedTest(name = "vault keep {0}")
    @CsvSource(value = {"k2, k1", "k1, k2", "'', ''"})
    void vaultStaleAccessorsAreOnlyTheTokensTheKeeperMinted(String keep, String expected) {
        TokenExpectation minted = V.named("token-keyway-vault");
        List<TokenIdentity> seen = List.of(
                v("k1", "service", "token-keyway-vault", "kv-read", Duration.ofHours(1)),
                v("k2", "service", "token-keyway-vault", "kv-read", Duration.ofHours(1)),
                v("adopted", "service", "token", "kv-read", Duration.ofHours(1)),
                v("k1", "service", "token-keyway-vault", "kv-read", Duration.ofHours(1)));
        List<String> want = expected.isEmpty() ? List.of() : List.of(expected.split(";"));
        assertThat(KeepPolicy.staleAccessors(seen, minted, keep)).isEqualTo(want);
        assertThat(KeepPolicy.staleAccessors(seen, V, "k2")).as("no display name: cannot tell ours apart").isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"token has expired, EXPIRED", "token has been revoked, REVOKED", "the agent behind this token has been revoked or deleted, REVOKED",
        "token is not valid, INVALID", "permission denied, INVALID", "'', INVALID"})
    void rejection(String detail, KeepPolicy.Rejection r) {
        assertThat(KeepPolicy.rejection(detail)).isEqualTo(r);
    }
}
