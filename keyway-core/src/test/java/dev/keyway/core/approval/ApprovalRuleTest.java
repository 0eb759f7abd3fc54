package dev.keyway.core.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ServiceValidator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/** Which requests an approval rule covers, its JSON form, and its validation, as tables. */
class ApprovalRuleTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    static Stream<Arguments> requires() {
        ApprovalRule writes = new ApprovalRule(List.of("POST", "DELETE"), List.of(), ApprovalRule.DEFAULT_TIMEOUT);
        ApprovalRule repos = new ApprovalRule(List.of(), List.of("/repos/**"), ApprovalRule.DEFAULT_TIMEOUT);
        ApprovalRule both = new ApprovalRule(List.of("POST"), List.of("/repos/*/issues", "/admin/**"), ApprovalRule.DEFAULT_TIMEOUT);
        return Stream.of(
                Arguments.of(ApprovalRule.everything(), "GET", "/", true),
                Arguments.of(writes, "POST", "/x", true),
                Arguments.of(writes, "DELETE", "/x", true),
                Arguments.of(writes, "GET", "/x", false),
                Arguments.of(writes, "post", "/x", false),
                Arguments.of(repos, "GET", "/repos/a/b", true),
                Arguments.of(repos, "GET", "/users/a", false),
                Arguments.of(both, "POST", "/repos/k/issues", true),
                Arguments.of(both, "POST", "/admin/a/b", true),
                Arguments.of(both, "GET", "/admin/a/b", false),
                Arguments.of(both, "POST", "/repos/k/pulls", false));
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @MethodSource
    void requires(ApprovalRule rule, String method, String path, boolean expected) {
        assertThat(rule.requires(method, path)).isEqualTo(expected);
    }

    @Test
    void yamlFormRoundTripsThroughTheServiceDefinition() {
        ServiceDefinition s = JSON.readValue("""
                {"name":"gh","host":"api.github.com","inject":{"bearer":"T"},
                 "approval":{"methods":["POST"],"paths":"/repos/**","timeout":"2m"}}""", ServiceDefinition.class);
        assertThat(s.approval()).isEqualTo(new ApprovalRule(List.of("POST"), List.of("/repos/**"), Duration.ofMinutes(2)));
        String json = JSON.writeValueAsString(s);
        assertThat(json).contains("\"approval\":{\"methods\":[\"POST\"],\"paths\":[\"/repos/**\"],\"timeout\":\"2m\"}");
        assertThat(JSON.readValue(json, ServiceDefinition.class)).isEqualTo(s);
        ServiceDefinition none = JSON.readValue("{\"name\":\"gh\",\"host\":\"api.github.com\",\"inject\":{\"bearer\":\"T\"}}",
                ServiceDefinition.class);
        assertThat(none.approval()).isNull();
        assertThat(JSON.writeValueAsString(none)).doesNotContain("approval");
        assertThat(JSON.readValue("{\"name\":\"gh\",\"host\":\"api.github.com\",\"inject\":\"none\",\"approval\":true}",
                ServiceDefinition.class).approval()).isEqualTo(ApprovalRule.everything());
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(Map.of("timeout", "0s"), "approval.timeout"),
                Arguments.of(Map.of("timeout", "2h"), "approval.timeout"),
                Arguments.of(Map.of("methods", List.of("post")), "approval.methods[0]"),
                Arguments.of(Map.of("paths", List.of("no-slash")), "approval.paths[0]"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource
    void invalid(Map<String, Object> approval, String field) {
        ServiceDefinition s = ServiceDefinition.of("gh", "api.github.com", new dev.keyway.core.service.Injection.None())
                .withApproval(ApprovalRule.fromJson(approval));
        assertThatThrownBy(() -> ServiceValidator.validate(s)).isInstanceOfSatisfying(KeywayException.class,
                e -> assertThat(e.extras()).containsEntry("field", field));
    }

    @Test
    void shapeErrorsAreRefused() {
        assertThatThrownBy(() -> ApprovalRule.fromJson(Map.of("when", "always"))).hasMessageContaining("unknown member 'when'");
        assertThatThrownBy(() -> ApprovalRule.fromJson("yes")).hasMessageContaining("must be a map");
        assertThatThrownBy(() -> ApprovalRule.fromJson(Map.of("methods", 3))).hasMessageContaining("list of strings");
        assertThat(ApprovalRule.fromJson(false)).isNull();
    }

    @Test
    void onlyPendingMoves() {
        for (ApprovalState s : ApprovalState.values()) {
            for (ApprovalState t : ApprovalState.values()) {
                assertThat(s.canMoveTo(t)).as("%s -> %s", s, t).isEqualTo(s == ApprovalState.PENDING && t != ApprovalState.PENDING);
            }
            assertThat(ApprovalState.ofWire(s.wire())).isEqualTo(s);
        }
    }
}
