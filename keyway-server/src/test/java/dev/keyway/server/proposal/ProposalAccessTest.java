package dev.keyway.server.proposal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.store.ProposalRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProposalAccessTest {
    static final String VAULT = "vlt_1";
    static final ProposalRecord REC = new ProposalRecord("prp_1", VAULT, "pending", "{}", "m", "agent:a", Instant.EPOCH,
            Instant.EPOCH.plusSeconds(60), null, null, null, "tok_apr", null);
    static final ProposalContent CONTENT = new ProposalContent(List.of(), List.of(), List.of(), "tok_agent", "agt_a");

    static Principal principal(String tokenId, String type, String subject, boolean owner, VaultRole role) {
        return new Principal(tokenId, type + ":" + tokenId, type, subject, owner, role == null ? Map.of() : Map.of(VAULT, role),
                null, null, type.equals("session") || type.equals("admin"));
    }

    static Stream<Arguments> table() {
        return Stream.of(
                // who, may view, may decide
                Arguments.of("the proposing token", principal("tok_agent", "agent", "agt_a", false, VaultRole.PROXY), true, false),
                Arguments.of("another token of the proposing agent, even as member", principal("tok_other", "scoped", "agt_a", false, VaultRole.MEMBER), true, false),
                Arguments.of("another proxy agent", principal("tok_b", "agent", "agt_b", false, VaultRole.PROXY), false, false),
                Arguments.of("a member user", principal("tok_s", "session", "usr_1", false, VaultRole.MEMBER), true, true),
                Arguments.of("a vault admin agent", principal("tok_c", "agent", "agt_c", false, VaultRole.ADMIN), true, true),
                Arguments.of("the owner", principal("tok_o", "session", "usr_o", true, null), true, true),
                Arguments.of("the admin token", principal("tok_adm", "admin", null, true, null), true, true),
                Arguments.of("no role on the vault", principal("tok_n", "session", "usr_2", false, null), false, false),
                Arguments.of("its approval token", principal("tok_apr", "approval", "prp_1", false, null), true, false),
                Arguments.of("another proposal's approval token", principal("tok_apr2", "approval", "prp_2", false, null), false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void whoMayViewAndDecide(String who, Principal p, boolean view, boolean decide) {
        assertThat(ProposalAccess.mayView(p, REC, CONTENT)).isEqualTo(view);
        if (decide) {
            ProposalAccess.requireReviewer(p, REC, "default", CONTENT);
        } else {
            assertThatThrownBy(() -> ProposalAccess.requireReviewer(p, REC, "default", CONTENT))
                    .isInstanceOf(KeywayException.class)
                    .extracting(e -> ((KeywayException) e).type().slug()).isEqualTo("forbidden");
        }
    }
}
