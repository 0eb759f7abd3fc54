package dev.keyway.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}: print the machine-readable answer instead of text. One definition (a picocli
 * mixin) for every command that has it, so the name and help read the same everywhere;
 * {@code CliOptionsTest} fails on a {@code --json} declared any other way.
 */
public final class JsonOption {
    static final String DESCRIPTION = "Print JSON.";

    @Option(names = "--json", description = DESCRIPTION)
    boolean json;

    /** Whether {@code --json} was given. */
    public boolean enabled() {
        return json;
    }
}
