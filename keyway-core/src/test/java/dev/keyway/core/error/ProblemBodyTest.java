package dev.keyway.core.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProblemBodyTest {
    @Test
    void membersAreTheRfc9457OnesPlusExtrasAndRequestIdInSnakeCase() {
        var body = new ProblemBody(ErrorType.VALIDATION, "bad name", Map.of("field", "name"), "req_1");
        assertThat(body.members()).containsExactly(
                Map.entry("type", "https://keyway.dev/errors/validation"),
                Map.entry("title", "Validation failed"),
                Map.entry("status", 422),
                Map.entry("detail", "bad name"),
                Map.entry("field", "name"),
                Map.entry("request_id", "req_1"));
    }

    @Test
    void extrasCannotReplaceStandardMembers() {
        var body = new ProblemBody(ErrorType.FORBIDDEN, "no", Map.of("status", 200, "type", "x", "request_id", "forged",
                "detail", "yes", "title", "t"), "req_2");
        assertThat(body.members()).containsEntry("status", 403).containsEntry("request_id", "req_2")
                .containsEntry("detail", "no").containsEntry("type", "https://keyway.dev/errors/forbidden").hasSize(5);
    }
}
