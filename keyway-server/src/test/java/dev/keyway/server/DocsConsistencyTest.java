package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.ErrorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Docs that promise something about the code must stay true: every test named in security.md exists; every error type is documented. */
class DocsConsistencyTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    static Map<String, String> javaSources() throws IOException {
        Map<String, String> m = new HashMap<>();
        try (Stream<Path> s = Files.walk(ROOT)) {
            s.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/target/")).forEach(p -> {
                try {
                    m.merge(p.getFileName().toString().replace(".java", ""), Files.readString(p), String::concat);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        return m;
    }

    @Test
    void everyTestNamedInSecurityMdExists() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/security.md"));
        Map<String, String> sources = javaSources();
        Matcher m = Pattern.compile("`([A-Z][A-Za-z0-9]*Test)(?:\\.([a-zA-Z0-9]+))?").matcher(doc);
        int refs = 0;
        while (m.find()) {
            refs++;
            String cls = m.group(1);
            assertThat(sources).as("security.md names test class %s", cls).containsKey(cls);
            if (m.group(2) != null) {
                assertThat(sources.get(cls)).as("security.md names %s.%s", cls, m.group(2)).contains("void " + m.group(2) + "(");
            }
        }
        assertThat(refs).isGreaterThan(20);
    }

    @Test
    void everyErrorTypeIsDocumented() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/errors.md"));
        for (ErrorType t : ErrorType.values()) {
            assertThat(doc).as("docs/errors.md documents %s", t.slug()).contains("| `" + t.slug() + "` | " + t.status() + " |");
        }
    }
}
