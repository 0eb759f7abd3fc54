package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Help, usage errors, and the two ways a client command fails before the API answers. */
class CliUsageTest {

    /** Every command path in the tree, e.g. [vault, create], found from the picocli model itself. */
    static Stream<List<String>> commandPaths() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), new ArrayList<>(), paths);
        return paths.stream();
    }

    private static void collect(CommandLine cl, List<String> prefix, List<List<String>> into) {
        into.add(List.copyOf(prefix));
        cl.getSubcommands().forEach((name, sub) -> {
            // aliases map to the same CommandLine; visit each command once, under its main name
            if (name.equals(sub.getCommandName())) {
                List<String> p = new ArrayList<>(prefix);
                p.add(name);
                collect(sub, p, into);
            }
        });
    }

    @ParameterizedTest(name = "keyway {0} --help")
    @MethodSource("commandPaths")
    void helpWorksEverywhere(List<String> path) {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        var r = CliHarness.raw(args.toArray(String[]::new)).ok();
        assertThat(r.out()).contains("Usage: keyway" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
        assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest(name = "keyway {0}: summary and example")
    @MethodSource("commandPaths")
    void everyCommandHasAOneLineSummaryAndAnExample(List<String> path) {
        CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        for (String p : path) {
            cl = cl.getSubcommands().get(p);
        }
        var u = cl.getCommandSpec().usageMessage();
        String summary = u.header().length > 0 ? u.header()[0] : u.description().length > 0 ? u.description()[0] : "";
        assertThat(summary.strip()).as("summary of keyway %s", String.join(" ", path)).isNotBlank().endsWith(".")
                .doesNotStartWith("%n");
        String help = String.join("\n", u.description()) + "\n" + String.join("\n", u.footer());
        assertThat(help).as("keyway %s has an example", String.join(" ", path)).containsPattern("Examples?:");
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        if (!path.equals(List.of("help"))) {
            assertThat(CliHarness.raw(args.toArray(String[]::new)).ok().out()).containsPattern("Examples?:");
        }
    }

    @Test
    void mistypedCommandsAndOptionsSuggestTheClosest() {
        var cmd = CliHarness.raw("servce", "list").expect(ExitCodes.USAGE);
        assertThat(cmd.err()).contains("Did you mean").contains("service");
        var sub = CliHarness.raw("service", "lst").expect(ExitCodes.USAGE);
        assertThat(sub.err()).contains("Did you mean").contains("list");
        var opt = CliHarness.raw("service", "list", "--jsn").expect(ExitCodes.USAGE);
        assertThat(opt.err()).contains("Did you mean").contains("--json");
    }

    @Test
    void completionScriptsComeFromTheCommandTree() {
        for (String shell : List.of("bash", "zsh")) {
            var r = CliHarness.raw("completion", shell).ok();
            assertThat(r.out()).contains("complete -F").contains("set-services").contains("export").contains("--dry-run");
        }
        assertThat(CliHarness.raw("completion", "fish").ok().out()).contains("complete -c keyway").contains("set-services");
        assertThat(CliHarness.raw("completion", "tcsh").expect(ExitCodes.USAGE).err()).contains("bash").contains("zsh").contains("fish");
    }

    @ParameterizedTest(name = "NO_COLOR={0} terminal={1} -> {2}")
    @org.junit.jupiter.params.provider.CsvSource(nullValues = "-", value = {
        "-, true, ON", "-, false, OFF", "1, true, OFF", "'', true, ON", "yes, false, OFF"})
    void colourOnlyOnATerminalAndNeverWithNoColor(String noColor, boolean terminal, CommandLine.Help.Ansi expected) {
        java.util.Map<String, String> env = new java.util.HashMap<>();
        if (noColor != null) {
            env.put("NO_COLOR", noColor);
        }
        assertThat(Colour.ansi(env, terminal)).isEqualTo(expected);
    }

    @Test
    void helpWrittenToAPipeHasNoEscapeCodes() {
        assertThat(CliHarness.raw("service", "add", "--help").ok().out()).doesNotContain("\u001b[");
    }

    @Test
    void credentialHelpDoesNotDenyReveal() {
        String help = CliHarness.raw("credential", "--help").ok().out();
        assertThat(help).contains("reveal").doesNotContain("no command or API returns them");
    }

    @Test
    void theCommandTreeIsComplete() {
        assertThat(commandPaths().map(p -> String.join(" ", p))).contains(
                "vault create", "vault list", "vault show", "vault delete", "vault set-policy",
                "credential set", "credential list", "credential delete",
                "service add", "service list", "service show", "service remove", "service enable", "service disable",
                "service apply", "service templates", "token create", "token list", "token revoke", "ca export",
                "audit tail", "status", "master-key rotate");
    }

    @Test
    void topLevelHelpListsCommandsAndExitCodes() {
        var r = CliHarness.raw("--help").ok();
        assertThat(r.out()).contains("Exit codes:").contains("0  success").contains("2  cannot reach the Keyway server")
                .contains("5  conflict or validation error").contains("6  other failure");
        assertThat(r.out()).contains("vault", "credential", "service", "token", "audit", "master-key");
        var none = CliHarness.raw().ok();
        assertThat(none.out()).contains("Exit codes:");
        assertThat(CliHarness.raw("help", "vault").ok().out()).contains("Usage: keyway vault");
    }

    @Test
    void versionWorks() {
        assertThat(CliHarness.raw("--version").ok().out()).startsWith("keyway ");
    }

    @Test
    void unknownOptionsAndCommandsAreUsageErrors() {
        var opt = CliHarness.raw("vault", "list", "--bogus").expect(ExitCodes.USAGE);
        assertThat(opt.err()).contains("--bogus").contains("keyway vault list --help");
        CliHarness.raw("no-such-command").expect(ExitCodes.USAGE);
        CliHarness.raw("vault", "create").expect(ExitCodes.USAGE);
        CliHarness.raw("audit", "tail", "-n", "many").expect(ExitCodes.USAGE);
        // 'server' lives in keyway-dist (ServerCommandTest), so here it is an unknown command
        CliHarness.raw("server").expect(ExitCodes.USAGE);
    }

    @Test
    void unreachableServerIsExitTwo(@TempDir Path dir) {
        var r = CliHarness.raw("vault", "list", "--addr", "http://127.0.0.1:1", "--data-dir", dir.toString())
                .expect(ExitCodes.UNREACHABLE);
        assertThat(r.err()).contains("cannot reach Keyway").contains("http://127.0.0.1:1");
        CliHarness.raw("status", "--addr", "http://127.0.0.1:1/", "--data-dir", dir.toString()).expect(ExitCodes.UNREACHABLE);
        for (String bad : List.of("not a url", "localhost:9790", "127.0.0.1:9790")) {
            assertThat(CliHarness.raw("status", "--addr", bad, "--data-dir", dir.toString()).expect(ExitCodes.USAGE).err())
                    .contains("invalid server address '" + bad + "'");
        }
    }

    @Test
    void missingAdminTokenIsExitThreeNamingTheFile(@TempDir Path serverDir, @TempDir Path emptyDir) throws Exception {
        try (CliHarness kw = CliHarness.start(serverDir)) {
            var r = CliHarness.raw("vault", "list", "--addr", kw.addr(), "--data-dir", emptyDir.toString())
                    .expect(ExitCodes.PERMISSION);
            assertThat(r.err()).contains(emptyDir.resolve("admin-token").toString());

            Files.writeString(emptyDir.resolve("admin-token"), "kw_adm_not-a-real-token\n");
            var wrong = CliHarness.raw("vault", "list", "--addr", kw.addr(), "--data-dir", emptyDir.toString())
                    .expect(ExitCodes.PERMISSION);
            assertThat(wrong.err()).doesNotContain("kw_adm_not-a-real-token");
        }
    }
}
