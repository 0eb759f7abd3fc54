package dev.keyway.server.proposal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decision of what approval grants the proposer, as a table. */
class ProposerGrantTest {

    @ParameterizedTest(name = "agent={0} agentServices={1} tokenServices={2} proposed={3}")
    @CsvSource(delimiter = ';', nullValues = "-", value = {
        // agent ; agent subset ; token's own subset ; proposed ; granted agent ; granted ; token cannot use
        "claude ; openai        ; -             ; github        ; claude ; github        ; ''",
        "claude ; openai        ; -             ; github,openai ; claude ; github        ; ''",
        "claude ; openai,github ; -             ; github        ; -      ; ''            ; ''",
        "claude ; -             ; -             ; github        ; -      ; ''            ; ''",
        "-      ; -             ; -             ; github        ; -      ; ''            ; ''",
        "-      ; -             ; openai        ; github        ; -      ; ''            ; github",
        "claude ; openai        ; openai        ; github,s3     ; claude ; github,s3     ; github,s3",
        "claude ; openai        ; -             ; ''            ; -      ; ''            ; ''",
        // 'shared' exists in another of the agent's vaults: never granted from this one
        "claude ; openai        ; -             ; shared        ; -      ; ''            ; ''",
        "claude ; openai        ; -             ; github,shared ; claude ; github        ; ''",
    })
    void decides(String agent, String agentServices, String tokenServices, String proposed, String grantedAgent,
            String granted, String unreachable) {
        ProposerGrant g = ProposerGrant.decide(agent, agentServices, tokenServices, list(proposed), Set.of("shared"));
        boolean withheld = agent != null && agentServices != null && list(proposed).contains("shared");
        assertThat(g.withheld()).isEqualTo(withheld ? List.of("shared") : List.of());
        assertThat(g.agent()).isEqualTo(grantedAgent);
        assertThat(g.granted()).isEqualTo(list(granted));
        assertThat(g.tokenUnreachable()).isEqualTo(list(unreachable));
        assertThat(g.messages().isEmpty()).isEqualTo(grantedAgent == null && unreachable.isEmpty() && !withheld);
        if (withheld) {
            assertThat(String.join(" ", g.messages())).contains("does not grant agent claude shared");
        }
        if (grantedAgent != null) {
            assertThat(g.messages().getFirst()).startsWith("also grants agent " + grantedAgent + " the service");
            assertThat(g.agentServicesAfter()).containsAll(list(agentServices)).containsAll(list(granted));
        }
    }

    private static List<String> list(String csv) {
        return csv == null || csv.isBlank() ? List.of() : List.of(csv.split(","));
    }
}
