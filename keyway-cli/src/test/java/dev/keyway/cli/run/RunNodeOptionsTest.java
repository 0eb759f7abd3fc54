package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** NODE_OPTIONS for the child: the user's options kept, a stale preload of an outer run dropped, ours last. */
class RunNodeOptionsTest {
    static final Path PRELOAD = Path.of("/run/k/keyway-node-preload.cjs");

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "NULL                                                  | --require /run/k/keyway-node-preload.cjs",
        "''                                                    | --require /run/k/keyway-node-preload.cjs",
        "--max-old-space-size=4096                             | --max-old-space-size=4096 --require /run/k/keyway-node-preload.cjs",
        "--require /gone/keyway-node-preload.cjs               | --require /run/k/keyway-node-preload.cjs",
        "-r /gone/keyway-node-preload.cjs --trace-warnings     | --trace-warnings --require /run/k/keyway-node-preload.cjs",
        "--require=/gone/keyway-node-preload.cjs               | --require /run/k/keyway-node-preload.cjs",
        "--require ./mine.js                                   | --require ./mine.js --require /run/k/keyway-node-preload.cjs",
        "--require \"/a b/keyway-node-preload.cjs\" -r x.js    | -r x.js --require /run/k/keyway-node-preload.cjs",
    })
    void merge(String existing, String expected) {
        assertThat(NodeOptions.merge(existing, PRELOAD)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/tmp/a b/keyway-node-preload.cjs | --require \"/tmp/a b/keyway-node-preload.cjs\"",
        "/tmp/q\"x/keyway-node-preload.cjs | --require \"/tmp/q\\\"x/keyway-node-preload.cjs\"",
    })
    void pathsWithSpacesOrQuotesAreQuotedAsNodeParsesThem(String preload, String expected) {
        assertThat(NodeOptions.merge(null, Path.of(preload))).isEqualTo(expected);
    }
}
