package dev.keyway.cli;

import java.util.Map;
import picocli.CommandLine.Help.Ansi;

/**
 * Whether the CLI may colour its output: only on a terminal, and never when {@code NO_COLOR} is set
 * to a non-empty value (https://no-color.org). Decided once, explicitly, instead of trusting each
 * library's own detection (since Java 22 {@code System.console()} is non-null even when output is
 * piped, so "a console exists" no longer means "a terminal").
 */
final class Colour {
    private Colour() {}

    static Ansi ansi(Map<String, String> env, boolean terminal) {
        String noColor = env.get("NO_COLOR");
        if (noColor != null && !noColor.isEmpty()) {
            return Ansi.OFF;
        }
        return terminal ? Ansi.ON : Ansi.OFF;
    }

    static boolean stdoutIsTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }
}
