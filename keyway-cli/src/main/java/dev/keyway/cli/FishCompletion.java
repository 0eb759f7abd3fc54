package dev.keyway.cli;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The fish completion script, generated from the picocli command tree. picocli's
 * {@code AutoComplete} writes bash only (zsh runs it through {@code bashcompinit}); fish has its own
 * {@code complete} builtin, so this small generator walks the same {@link CommandSpec} tree and
 * emits one {@code complete} line per subcommand and option, each guarded by the command path the
 * user has typed so far ({@code keyway vault list} and {@code keyway token list} complete
 * differently). A pure function of the tree: it cannot drift from the commands.
 */
final class FishCompletion {
    private FishCompletion() {}

    /** The whole script for {@code root} (the {@code keyway} command). */
    static String script(CommandSpec root) {
        String name = root.name();
        String fn = "__" + name + "_at";
        List<String> paths = new ArrayList<>();
        collectPaths(root, "", paths);
        StringBuilder out = new StringBuilder();
        out.append("# fish completion for ").append(name).append(", generated from its command tree ('")
                .append(name).append(" completion fish').\n")
                .append("# Install: ").append(name).append(" completion fish > ~/.config/fish/completions/")
                .append(name).append(".fish\n\n");
        out.append("set -g __").append(name).append("_commands");
        paths.forEach(p -> out.append(' ').append(quote(p)));
        out.append("\n\n");
        // true when the deepest known command path among the words typed so far (options and their values
        // skipped) is the argument
        out.append("function ").append(fn).append('\n')
                .append("    set -l words (commandline -opc)\n")
                .append("    set -l path ''\n")
                .append("    for w in $words[2..-1]\n")
                .append("        set -l next (string trim -- \"$path $w\")\n")
                .append("        if contains -- $next $__").append(name).append("_commands\n")
                .append("            set path $next\n")
                .append("        end\n")
                .append("    end\n")
                .append("    test \"$path\" = \"$argv[1]\"\n")
                .append("end\n\n");
        out.append("complete -c ").append(name).append(" -e\n");
        visit(root, "", name, fn, out);
        return out.toString();
    }

    private static void collectPaths(CommandSpec spec, String path, List<String> paths) {
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            if (sub.usageMessage().hidden()) {
                continue;
            }
            String p = path.isEmpty() ? e.getKey() : path + " " + e.getKey();
            paths.add(p);
            collectPaths(sub, p, paths);   // aliases too: 'keyway cred set' completes like 'keyway credential set'
        }
    }

    private static void visit(CommandSpec spec, String path, String name, String fn, StringBuilder out) {
        String guard = " -n " + quote(fn + " " + quote(path));
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            if (sub.usageMessage().hidden()) {
                continue;
            }
            out.append("complete -c ").append(name).append(guard).append(" -f -a ").append(quote(e.getKey()))
                    .append(" -d ").append(quote(summary(sub))).append('\n');
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            List<String> candidates = candidates(p);
            if (!p.hidden() && !candidates.isEmpty()) {
                out.append("complete -c ").append(name).append(guard).append(" -f -a ").append(quote(String.join(" ", candidates)))
                        .append(" -d ").append(quote(firstLine(p.description()))).append('\n');
            }
        }
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) {
                continue;
            }
            StringBuilder line = new StringBuilder("complete -c ").append(name).append(guard);
            for (String n : o.names()) {
                if (n.startsWith("--")) {
                    line.append(" -l ").append(quote(n.substring(2)));
                } else if (n.length() == 2) {
                    line.append(" -s ").append(quote(n.substring(1)));
                } else {
                    line.append(" -o ").append(quote(n.substring(1)));
                }
            }
            if (o.arity().max() > 0) {
                List<String> candidates = candidates(o);
                if (!candidates.isEmpty()) {
                    line.append(" -x -a ").append(quote(String.join(" ", candidates)));
                } else if (isFile(o.type())) {
                    line.append(" -r -F");
                } else {
                    line.append(" -x");
                }
            }
            String d = firstLine(o.description());
            if (!d.isEmpty()) {
                line.append(" -d ").append(quote(d));
            }
            out.append(line).append('\n');
        }
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            if (!sub.usageMessage().hidden()) {
                visit(sub, path.isEmpty() ? e.getKey() : path + " " + e.getKey(), name, fn, out);
            }
        }
    }

    private static List<String> candidates(ArgSpec o) {
        List<String> c = new ArrayList<>();
        if (o.completionCandidates() != null) {
            o.completionCandidates().forEach(c::add);
        }
        return c;
    }

    private static boolean isFile(Class<?> type) {
        return type == File.class || type == Path.class;
    }

    /** The command's one-line summary: its header if it has one, else its description's first line. */
    static String summary(CommandSpec spec) {
        String[] header = spec.usageMessage().header();
        return firstLine(header.length > 0 ? header : spec.usageMessage().description());
    }

    private static String firstLine(String[] lines) {
        if (lines == null || lines.length == 0) {
            return "";
        }
        return lines[0].replace("%n", " ").replace("%%", "%").strip();
    }

    /** A fish single-quoted string: only backslash and the single quote are special inside. */
    static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
