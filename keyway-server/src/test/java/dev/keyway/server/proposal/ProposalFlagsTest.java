package dev.keyway.server.proposal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.service.Injection;
import dev.keyway.core.service.ServiceDefinition;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProposalFlagsTest {
    static final ServiceDefinition GH = ServiceDefinition.of("gh", "api.github.com", new Injection.Bearer("GITHUB_TOKEN"));
    static final ServiceDefinition OPEN = ServiceDefinition.of("open", "evil.example.com", new Injection.None());

    static ServiceDefinition bearer(String name, String host, String cred) {
        return ServiceDefinition.of(name, host, new Injection.Bearer(cred));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // existing services, existing credentials, proposed service, flagged?
                Arguments.of("new credential anywhere", List.of(GH), Set.of("GITHUB_TOKEN"), bearer("x", "evil.example.com", "NEW_KEY"), false),
                Arguments.of("existing credential, same host", List.of(GH), Set.of("GITHUB_TOKEN"), bearer("x", "api.github.com", "GITHUB_TOKEN"), false),
                Arguments.of("same host, other case", List.of(GH), Set.of("GITHUB_TOKEN"), bearer("x", "API.GitHub.com", "GITHUB_TOKEN"), false),
                Arguments.of("existing credential, new host", List.of(GH), Set.of("GITHUB_TOKEN"), bearer("x", "evil.example.com", "GITHUB_TOKEN"), true),
                // the host is used by an existing service, but not with this credential: still a new destination for the key
                Arguments.of("host known, credential not sent there", List.of(GH, OPEN), Set.of("GITHUB_TOKEN"), bearer("x", "evil.example.com", "GITHUB_TOKEN"), true),
                Arguments.of("existing credential no service uses yet", List.of(), Set.of("UNUSED"), bearer("x", "api.example.com", "UNUSED"), true),
                Arguments.of("wildcard differs from exact", List.of(GH), Set.of("GITHUB_TOKEN"), bearer("x", "*.github.com", "GITHUB_TOKEN"), true),
                Arguments.of("no credential", List.of(GH), Set.of("GITHUB_TOKEN"), ServiceDefinition.of("x", "evil.example.com", new Injection.None()), false));
    }

    @org.junit.jupiter.api.Test
    void flagsACredentialSentOverPlainHttp() {
        ServiceDefinition plain = new ServiceDefinition("gw", "localhost:8080", List.of(), List.of(), true, true, true,
                null, new Injection.Bearer("NEW_KEY"));
        List<ProposalFlags.Warning> w = ProposalFlags.analyze(List.of(), Set.of(), List.of(plain));
        assertThat(ProposalFlags.flags(w)).containsExactly(ProposalFlags.PLAINTEXT_CREDENTIAL);
        assertThat(w.getFirst().message()).contains("gw").contains("NEW_KEY").contains("plain HTTP");

        ServiceDefinition passthrough = new ServiceDefinition("gw", "localhost:8080", List.of(), List.of(), true, true,
                true, null, new Injection.None());
        assertThat(ProposalFlags.analyze(List.of(), Set.of(), List.of(passthrough))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void flagsExistingCredentialsSentToNewHosts(String name, List<ServiceDefinition> existing, Set<String> creds,
            ServiceDefinition proposed, boolean flagged) {
        List<ProposalFlags.Warning> w = ProposalFlags.analyze(existing, creds, List.of(proposed));
        assertThat(ProposalFlags.flags(w)).isEqualTo(flagged ? List.of(ProposalFlags.EXISTING_CREDENTIAL_NEW_HOST) : List.of());
        if (flagged) {
            assertThat(w.getFirst().message()).contains(proposed.name()).contains(proposed.host());
        }
    }
}
