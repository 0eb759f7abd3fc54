package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code keyway completion fish}: the generator on a small tree (table), and the real script in a real fish. */
class FishCompletionTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "plain|'plain'",
        "it's|'it\\'s'",
        "a\\b|'a\\\\b'",
        "\"\"|''"})
    void quotesForFish(String in, String expected) {
        assertThat(FishCompletion.quote(in)).isEqualTo(expected);
    }

    /** A tree with every option shape the generator distinguishes. */
    static CommandSpec tree() {
        CommandSpec leaf = CommandSpec.create().name("leaf");
        leaf.usageMessage().description("Do the leaf thing.", "More text.");
        leaf.addOption(OptionSpec.builder("--file", "-f").type(Path.class).paramLabel("FILE").description("A file.").build());
        leaf.addOption(OptionSpec.builder("--mode").type(String.class).completionCandidates(List.of("fast", "slow"))
                .description("Mode: fast or slow.").build());
        leaf.addOption(OptionSpec.builder("--name").type(String.class).description("It's a name.").build());
        leaf.addOption(OptionSpec.builder("-long").type(boolean.class).arity("0").description("A flag.").build());
        leaf.addOption(OptionSpec.builder("--secret").type(boolean.class).arity("0").hidden(true).build());
        leaf.addPositional(PositionalParamSpec.builder().type(String.class).completionCandidates(List.of("x", "y"))
                .description("X or y.").build());
        CommandSpec hidden = CommandSpec.create().name("internal");
        hidden.usageMessage().hidden(true);
        CommandSpec group = CommandSpec.create().name("group");
        group.usageMessage().header("The group.");
        group.aliases("grp");
        group.addSubcommand("leaf", new CommandLine(leaf));
        CommandSpec root = CommandSpec.create().name("tool");
        root.addSubcommand("group", new CommandLine(group));
        root.addSubcommand("internal", new CommandLine(hidden));
        new CommandLine(root);
        return root;
    }

    @Test
    void oneGuardedLinePerSubcommandAndOption() {
        String s = FishCompletion.script(tree());
        assertThat(s).contains("set -g __tool_commands 'group' 'group leaf' 'grp' 'grp leaf'\n")
                .contains("complete -c tool -n '__tool_at \\'grp leaf\\'' -l 'file' -s 'f' -r -F -d 'A file.'\n")
                .contains("complete -c tool -n '__tool_at \\'\\'' -f -a 'group' -d 'The group.'\n")
                .contains("complete -c tool -n '__tool_at \\'group\\'' -f -a 'leaf' -d 'Do the leaf thing.'\n")
                .contains("complete -c tool -n '__tool_at \\'group leaf\\'' -l 'file' -s 'f' -r -F -d 'A file.'\n")
                .contains("complete -c tool -n '__tool_at \\'group leaf\\'' -l 'mode' -x -a 'fast slow' -d 'Mode: fast or slow.'\n")
                .contains("complete -c tool -n '__tool_at \\'group leaf\\'' -l 'name' -x -d 'It\\'s a name.'\n")
                .contains("complete -c tool -n '__tool_at \\'group leaf\\'' -o 'long' -d 'A flag.'\n")
                .contains("complete -c tool -n '__tool_at \\'group leaf\\'' -f -a 'x y' -d 'X or y.'\n")
                .doesNotContain("internal").doesNotContain("secret");
    }

    static String fish(Path script, String commandLine) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("fish", "--no-config", "-c", "source " + script + "; complete -C '" + commandLine + "'");
        Path out = Files.createTempFile(script.getParent(), "fish", ".out");
        pb.redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("HOME", script.getParent().toString());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }

    static boolean hasFish() {
        return System.getenv("PATH") != null && java.util.Arrays.stream(System.getenv("PATH").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "fish")));
    }

    /** The script keyway prints, loaded into fish: completions depend on the command path typed so far. */
    @Test
    void realFishCompletesByCommandPath(@TempDir Path dir) throws Exception {
        assumeTrue(hasFish(), "fish is not installed");
        StringWriter out = new StringWriter();
        assertThat(Main.run(new String[] {"completion", "fish"}, new PrintWriter(out), new PrintWriter(new StringWriter()))).isZero();
        Path script = dir.resolve("keyway.fish");
        Files.writeString(script, out.toString());

        assertThat(fish(script, "keyway ")).contains("vault\t").contains("agent\t").contains("completion\t").contains("man\t")
                .doesNotContain("set-services");
        assertThat(fish(script, "keyway agent ")).contains("set-services\t").contains("create\t").doesNotContain("vault\t");
        assertThat(fish(script, "keyway vault create team --")).contains("--unmatched\t").contains("--json\t")
                .doesNotContain("--template");
        assertThat(fish(script, "keyway --vault x agent set")).contains("set-services");
        assertThat(fish(script, "keyway completion ")).contains("bash").contains("zsh").contains("fish");
        assertThat(fish(script, "keyway vault list ")).doesNotContain("create\t");
        assertThat(fish(script, "keyway cred ")).as("an alias completes like its command").contains("set\t").contains("reveal\t");
        assertThat(fish(script, "keyway svc add x --")).contains("--template\t");
    }
}
