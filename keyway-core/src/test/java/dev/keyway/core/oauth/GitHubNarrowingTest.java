package dev.keyway.core.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.source.SourceFailure;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The per-run narrowing of GitHub App installation tokens: validation, request body, and the check of GitHub's answer. */
class GitHubNarrowingTest {
    static final Instant NOW = Instant.parse("2026-12-07T03:00:00Z");

    static GitHubNarrowing n(String repos, String perms) {
        List<String> r = repos.isEmpty() ? List.of() : Arrays.asList(repos.split(","));
        return java.util.Objects.requireNonNull(GitHubNarrowing.of(r,
                perms.isEmpty() ? Map.of() : GitHubNarrowing.permissions(Arrays.asList(perms.split(",")))));
    }

    @Test
    void nothingGivenIsNoNarrowing() {
        assertThat(GitHubNarrowing.of(null, null)).isNull();
        assertThat(GitHubNarrowing.of(List.of(), Map.of())).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            octo/a,b                 | contents:read,issues:write | {"repositories":["b","a"],"permissions":{"contents":"read","issues":"write"}}
            octo/a                   |                            | {"repositories":["a"]}
                                     | pull_requests:write        | {"permissions":{"pull_requests":"write"}}
            Octo-Org/repo.name_x-1   | administration:admin       | {"repositories":["repo.name_x-1"],"permissions":{"administration":"admin"}}
            """)
    void bodyIsWhatGitHubDocumentsNamesWithoutOwners(String repos, String perms, String body) {
        String actual = new String(n(repos == null ? "" : repos, perms == null ? "" : perms).body(), StandardCharsets.UTF_8);
        assertThat(TokenOutcome.JSON.readTree(actual)).isEqualTo(TokenOutcome.JSON.readTree(body));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            octo/                    | contents:read  | repositories
            /a                       | contents:read  | repositories
            a/b/c                    | contents:read  | repositories
            octo/..                  | contents:read  | repositories
            'a b'                    | contents:read  | repositories
            octo/a,other/A           | contents:read  | repositories
            a                        | Contents:read  | permissions
            a                        | contents:owner | permissions
            a                        | contents       | permissions
            a                        | contents:read,contents:write | permissions
            """)
    void badEntriesAre400NamingTheField(String repos, String perms, String field) {
        assertThatThrownBy(() -> n(repos, perms)).isInstanceOfSatisfying(KeywayException.class,
                e -> assertThat(e.extras()).containsEntry("field", field));
    }

    @Test
    void moreThan500RepositoriesAreRefused() {
        List<String> many = java.util.stream.IntStream.range(0, 501).mapToObj(i -> "r" + i).toList();
        assertThatThrownBy(() -> GitHubNarrowing.of(many, Map.of())).isInstanceOfSatisfying(KeywayException.class,
                e -> assertThat(e.detail()).contains("at most 500"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            octo/a | contents:read | {"repository_selection":"selected","repositories":[{"name":"a","full_name":"octo/a"}],"permissions":{"contents":"read"}} |
            octo/a | contents:read | {"repository_selection":"selected","repositories":[{"name":"a","full_name":"octo/a"}],"permissions":{"contents":"read","metadata":"read"}} |
            a      | contents:write | {"repositories":[{"name":"a","full_name":"anyone/a"}],"permissions":{"contents":"read"}} |
            octo/a | contents:read | {"repository_selection":"all","permissions":{"contents":"read"}} | repository_selection
            octo/a | contents:read | {"permissions":{"contents":"read"}} | does not list the token's repositories
            octo/a | contents:read | {"repositories":[{"name":"a","full_name":"octo/a"},{"name":"b","full_name":"octo/b"}],"permissions":{"contents":"read"}} | octo/b' was not asked for
            octo/a | contents:read | {"repositories":[{"name":"a","full_name":"evil/a"}],"permissions":{"contents":"read"}} | evil/a' is not octo/a
            octo/a | contents:read | {"repositories":[{"name":"a","full_name":"octo/a"}],"permissions":{"contents":"write"}} | contents:write exceeds contents:read
            octo/a | contents:read | {"repositories":[{"name":"a","full_name":"octo/a"}],"permissions":{"contents":"read","issues":"read"}} | issues:read was not asked for
            octo/a | contents:read | {"repositories":[{"name":"a","full_name":"octo/a"}],"permissions":{"contents":"read","metadata":"write"}} | metadata:write exceeds
            octo/a | contents:read | {"repositories":[{"name":"a","full_name":"octo/a"}]} | does not list the token's permissions
            """)
    void answerExceedingTheNarrowingIsNamed(String repos, String perms, String answer, String exceeded) {
        var result = n(repos, perms).exceededBy(TokenOutcome.JSON.readTree(answer));
        if (exceeded == null) {
            assertThat(result).isEmpty();
        } else {
            assertThat(result).hasValueSatisfying(s -> assertThat(s).contains(exceeded));
        }
    }

    @Test
    void grantedTokenIsUsedOnlyWithinTheNarrowing() {
        GitHubNarrowing narrowing = n("octo/a", "contents:read");
        byte[] ok = ("{\"token\":\"ghs_n\",\"expires_at\":\"2026-12-07T04:00:00Z\",\"repository_selection\":\"selected\","
                + "\"repositories\":[{\"name\":\"a\",\"full_name\":\"octo/a\"}],\"permissions\":{\"contents\":\"read\"}}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(GitHubApp.parse(201, ok, null, null, NOW, narrowing)).isInstanceOf(TokenOutcome.Granted.class);
        byte[] wide = "{\"token\":\"ghs_w\",\"expires_at\":\"2026-12-07T04:00:00Z\",\"repository_selection\":\"all\",\"permissions\":{\"contents\":\"write\"}}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(GitHubApp.parse(201, wide, null, null, NOW, narrowing)).isInstanceOfSatisfying(TokenOutcome.Failed.class, f -> {
            assertThat(f.failure().kind()).isEqualTo(SourceFailure.Kind.REFUSED);
            assertThat(f.failure().getMessage()).contains("exceeds the run's narrowing").doesNotContain("ghs_w");
        });
        assertThat(GitHubApp.parse(201, wide, null, null, NOW)).as("no narrowing: the installation's token")
                .isInstanceOf(TokenOutcome.Granted.class);
    }

    @Test
    void a422RefusingTheNarrowingIsRefusedNamingItAndDoesNotBreakTheCredential() {
        byte[] body = "{\"message\":\"There is at least one repository that does not exist or is not accessible to the parent installation.\"}"
                .getBytes(StandardCharsets.UTF_8);
        TokenOutcome o = GitHubApp.parse(422, body, null, null, NOW, n("octo/zzz", ""));
        assertThat(o).isInstanceOfSatisfying(TokenOutcome.Failed.class, f -> {
            assertThat(f.failure().kind()).isEqualTo(SourceFailure.Kind.REFUSED);
            assertThat(f.failure().getMessage()).contains("octo/zzz").contains("not accessible to the parent installation");
        });
        assertThat(GitHubApp.parse(422, body, null, null, NOW)).as("without a narrowing: as before")
                .isInstanceOfSatisfying(TokenOutcome.Failed.class, f -> assertThat(f.failure().kind()).isNotEqualTo(SourceFailure.Kind.REFUSED));
    }

    @Test
    void storedFormRoundTripsAndHashDistinguishesNarrowings() {
        GitHubNarrowing a = n("octo/a,b", "contents:read");
        assertThat(GitHubNarrowing.fromStored(a.repositoriesJson(), a.permissionsJson())).isEqualTo(a);
        assertThat(GitHubNarrowing.fromStored(null, null)).isNull();
        assertThat(a.hash()).isEqualTo(n("b,octo/a", "contents:read").hash())
                .isNotEqualTo(n("octo/a,b", "contents:write").hash()).isNotEqualTo(n("octo/a", "contents:read").hash());
        assertThat(a.describe()).isEqualTo("repositories [b, octo/a] permissions {contents=read}");
    }
}
