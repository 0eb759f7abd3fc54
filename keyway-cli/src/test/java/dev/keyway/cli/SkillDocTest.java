package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.api.SkillRoutes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every {@code keyway ...} command the agent skill tells agents to run exists, with the options it
 * uses (an agent skill that names a missing command sends agents into a loop).
 */
class SkillDocTest {
    static final Pattern INLINE = Pattern.compile("`(keyway [^`]+)`");
    static final Pattern FENCE = Pattern.compile("```[a-z]*\\n(.*?)```", Pattern.DOTALL);

    /** The {@code keyway ...} invocations in the skill: inline code and lines of code blocks (continuations joined). */
    static List<String> commands(String markdown) {
        List<String> out = new ArrayList<>();
        Matcher fence = FENCE.matcher(markdown);
        while (fence.find()) {
            for (String line : fence.group(1).replace("\\\n", " ").split("\n")) {
                if (line.strip().startsWith("keyway ")) {
                    out.add(line.strip());
                }
            }
        }
        Matcher inline = INLINE.matcher(FENCE.matcher(markdown).replaceAll(""));
        while (inline.find()) {
            out.add(inline.group(1));
        }
        return out;
    }

    /** Splits like a shell: whitespace outside quotes separates words, quotes are removed. */
    static List<String> words(String line) {
        List<String> w = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    w.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            w.add(cur.toString());
        }
        return w;
    }

    /** Null if the invocation parses against the CLI model, else what is wrong. */
    static String check(CommandLine root, List<String> words) {
        CommandLine cl = root;
        int i = 1;
        while (i < words.size() && cl.getSubcommands().containsKey(words.get(i))) {
            cl = cl.getSubcommands().get(words.get(i));
            i++;
        }
        if (cl == root) {
            return "no such command: " + words;
        }
        CommandSpec spec = cl.getCommandSpec();
        for (; i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("-")) {
                String name = w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
                OptionSpec o = spec.findOption(name);
                if (o == null) {
                    return spec.qualifiedName() + " has no option " + name;
                }
                if (o.arity().max() > 0 && !w.contains("=")) {
                    i++;
                }
            } else if (spec.positionalParameters().isEmpty()) {
                return spec.qualifiedName() + " takes no argument '" + w + "'";
            }
        }
        return null;
    }

    @Test
    void everyCommandInTheSkillExists() {
        String skill = SkillRoutes.skillText();
        CommandLine root = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        List<String> cmds = commands(skill);
        assertThat(cmds).as("the skill shows CLI commands").hasSizeGreaterThanOrEqualTo(2)
                .anySatisfy(c -> assertThat(c).startsWith("keyway proposal create"))
                .anySatisfy(c -> assertThat(c).startsWith("keyway proposal show"));
        for (String c : cmds) {
            assertThat(check(root, words(c))).as(c).isNull();
        }
    }

    @Test
    void theCheckerRejectsWhatDoesNotExist() {
        CommandLine root = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        assertThat(check(root, words("keyway proposal get --json prp_1"))).isNull();
        assertThat(check(root, words("keyway proposal fetch prp_1"))).isNotNull();
        assertThat(check(root, words("keyway proposal create --colour red"))).isNotNull();
        assertThat(check(root, words("keyway teleport"))).isNotNull();
        assertThat(words("--credential A='x y' -m \"why not\"")).containsExactly("--credential", "A=x y", "-m", "why not");
    }
}
