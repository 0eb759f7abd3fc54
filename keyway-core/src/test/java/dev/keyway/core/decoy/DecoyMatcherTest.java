package dev.keyway.core.decoy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.inject.HttpHead;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DecoyMatcherTest {
    static final String A = "sk-proj-Q3vX9aLmT2pR7wYz4bNc8dKe";
    static final String B = "ghp_Zy81Kq0Wm3Xr5Tn7Bv9Lc2Hd4Fg6Js8Pa";
    static final DecoyMatcher M = DecoyMatcher.of(List.of(
            new DecoyMatcher.Decoy("OPENAI_API_KEY", A, false),
            new DecoyMatcher.Decoy("GITHUB_TOKEN", B, true)));

    static Stream<Arguments> heads() {
        String basic = Base64.getEncoder().encodeToString(("x-access-token:" + B).getBytes(StandardCharsets.UTF_8));
        return Stream.of(
                // path and query and headers, name and location of the hit
                Arguments.of("/v1/models", List.of("Accept", "*/*"), null, null, null),
                Arguments.of("/v1/models", List.of("Authorization", "Bearer " + A), "OPENAI_API_KEY", "HEADER", "Authorization"),
                Arguments.of("/bot" + B + "/getMe", List.of(), "GITHUB_TOKEN", "PATH", null),
                Arguments.of("/v1?key=" + A + "&x=1", List.of(), "OPENAI_API_KEY", "QUERY", null),
                Arguments.of("/v1?key=" + A.replace("-", "%2D"), List.of(), "OPENAI_API_KEY", "QUERY", null),
                Arguments.of("/", List.of("Authorization", "Basic " + basic), "GITHUB_TOKEN", "HEADER", "Authorization"),
                Arguments.of("/", List.of("X-Other", "prefix" + A + "suffix"), "OPENAI_API_KEY", "HEADER", "X-Other"),
                // a prefix of a decoy, or the decoy with one character changed, is not a hit
                Arguments.of("/v1?key=" + A.substring(0, A.length() - 1), List.of(), null, null, null),
                Arguments.of("/", List.of("Authorization", "Bearer " + A.replace('Q', 'q')), null, null, null),
                Arguments.of("/", List.of("Authorization", "Basic !!notbase64"), null, null, null));
    }

    @ParameterizedTest
    @MethodSource("heads")
    void head(String pathAndQuery, List<String> headerPairs, @Nullable String name, @Nullable String location,
            @Nullable String header) {
        List<HttpHead.Header> hs = new java.util.ArrayList<>();
        for (int i = 0; i < headerPairs.size(); i += 2) {
            hs.add(new HttpHead.Header(headerPairs.get(i), headerPairs.get(i + 1)));
        }
        Optional<DecoyMatcher.Hit> hit = M.scan(new HttpHead("GET", pathAndQuery, hs));
        if (name == null) {
            assertThat(hit).isEmpty();
        } else {
            assertThat(hit).get().satisfies(h -> {
                assertThat(h.decoy().name()).isEqualTo(name);
                assertThat(h.location().name()).isEqualTo(location);
                assertThat(h.header()).isEqualTo(header);
            });
        }
    }

    static Stream<Arguments> bodies() {
        return Stream.of(
                Arguments.of(List.of("{\"key\":\"" + A + "\"}"), "OPENAI_API_KEY"),
                // split across chunks at every kind of boundary
                Arguments.of(List.of("{\"key\":\"" + A.substring(0, 5), A.substring(5) + "\"}"), "OPENAI_API_KEY"),
                Arguments.of(List.of("x", B.substring(0, 1), B.substring(1, 20), B.substring(20), "y"), "GITHUB_TOKEN"),
                Arguments.of(List.of(A.substring(0, A.length() - 1), "!" + A.substring(A.length() - 1)), null),
                Arguments.of(List.of("nothing here", "", "at all"), null),
                Arguments.of(List.of(), null));
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void body(List<String> chunks, @Nullable String name) {
        DecoyMatcher.BodyScan scan = M.bodyScan();
        Optional<DecoyMatcher.Hit> hit = Optional.empty();
        for (String c : chunks) {
            hit = scan.update(c.getBytes(StandardCharsets.UTF_8));
        }
        if (name == null) {
            assertThat(hit).isEmpty();
        } else {
            assertThat(hit).get().satisfies(h -> {
                assertThat(h.decoy().name()).isEqualTo(name);
                assertThat(h.location()).isEqualTo(DecoyMatcher.Location.BODY);
            });
        }
    }

    @Test
    void emptyMatcherFindsNothingAndToStringHidesValues() {
        assertThat(DecoyMatcher.EMPTY.scan(new HttpHead("GET", "/" + A, List.of()))).isEmpty();
        assertThat(DecoyMatcher.EMPTY.bodyScan().update(A.getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(M.toString()).doesNotContain(A).doesNotContain(B);
        assertThat(M.decoys().getFirst().toString()).doesNotContain(A);
    }
}
