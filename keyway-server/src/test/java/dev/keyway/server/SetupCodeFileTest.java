package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first-run setup code lives in {@code <data dir>/setup-code} only while no owner exists:
 * creating the owner through the API ({@code keyway setup}) burns it exactly as the console does.
 */
class SetupCodeFileTest {
    @Test
    void setupThroughTheApiRemovesTheSetupCodeFile(@TempDir Path dir) throws Exception {
        try (TestServer ts = TestServer.start(dir)) {
            Path file = dir.resolve("setup-code");
            assertThat(file).exists();
            var r = ts.call("POST", "/v1/setup", "{\"email\":\"owner@example.com\",\"password\":\"a long enough password\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            assertThat(file).doesNotExist();
        }
    }
}
