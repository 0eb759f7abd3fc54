package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which commands a CLI call builds ({@link Main#commandsFor}): only the named one where that is enough. */
class CommandsForTest {

    private static final List<Object> ALL = new ArrayList<>(Main.CLIENT_COMMANDS);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // arguments              | built: ALL, NONE, or the one command's name
        "-                        | ALL",
        "--help                   | ALL",
        "-h                       | ALL",
        "--version                | NONE",
        "-V                       | NONE",
        "status                   | status",
        "token create --ttl 8h    | token",
        "credential set X         | credential",
        "help token               | ALL",
        "completion bash          | ALL",
        "man                      | ALL",
        "tokne create             | ALL",
    })
    void table(String args, String built) {
        String[] a = args == null ? new String[0] : args.split(" ");
        List<Object> got = Main.commandsFor(a, ALL);
        switch (built) {
            case "ALL" -> assertThat(got).isEqualTo(ALL);
            case "NONE" -> assertThat(got).isEmpty();
            default -> {
                assertThat(got).hasSize(1);
                assertThat(new picocli.CommandLine(got.getFirst()).getCommandName()).isEqualTo(built);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"--version, 0", "status --help, 0", "tokne, 1"})
    void aPartialTreeStillAnswersLikeTheWholeOne(String args, int exit) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args.split(" "), new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).isEqualTo(exit);
        if (args.equals("tokne")) {
            assertThat(err.toString()).contains("Did you mean: token");
        } else if (args.startsWith("status")) {
            assertThat(out.toString()).contains("Usage: keyway status");
        } else {
            assertThat(out.toString()).startsWith("keyway ");
        }
    }
}
