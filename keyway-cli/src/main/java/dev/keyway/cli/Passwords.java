package dev.keyway.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Reads a password from stdin ({@code --password-stdin}) or a hidden prompt; never from argv. */
final class Passwords {
    private Passwords() {}

    static char[] read(boolean fromStdin, String prompt, boolean confirm) {
        if (fromStdin) {
            try {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (line == null || line.isEmpty()) {
                    throw new CliException(ExitCodes.USAGE, "no password on stdin");
                }
                return line.toCharArray();
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read the password from stdin: " + e.getMessage());
            }
        }
        Console c = System.console();
        if (c == null || !c.isTerminal()) {
            throw new CliException(ExitCodes.USAGE, "no terminal to prompt for a password; use --password-stdin");
        }
        char[] pw = c.readPassword("%s", prompt);
        if (pw == null || pw.length == 0) {
            throw new CliException(ExitCodes.USAGE, "no password entered");
        }
        if (confirm) {
            char[] again = c.readPassword("Repeat the password: ");
            if (again == null || !java.util.Arrays.equals(pw, again)) {
                throw new CliException(ExitCodes.USAGE, "the passwords do not match");
            }
        }
        return pw;
    }

    static String prompt(String label) {
        Console c = System.console();
        if (c == null || !c.isTerminal()) {
            throw new CliException(ExitCodes.USAGE, "missing " + label + " (no terminal to prompt)");
        }
        String v = c.readLine("%s: ", label);
        if (v == null || v.isBlank()) {
            throw new CliException(ExitCodes.USAGE, "no " + label + " entered");
        }
        return v.strip();
    }
}
