package dev.keyway.cli;

import java.time.LocalDate;
import java.time.ZoneOffset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * {@code keyway man}: prints the {@code keyway(1)} manual page (roff, see {@link ManPage}) so it can
 * be read without installing it ({@code keyway man | man -l -}) and so the distribution tarball
 * ships a page built from the same jar.
 */
@Command(name = "man", mixinStandardHelpOptions = true,
        description = {"Print the keyway(1) manual page (roff), generated from the command tree.",
            "Read it with 'keyway man | man -l -', or save it under a MANPATH directory's man1/."})
final class ManCommand implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        String v = ManCommand.class.getPackage().getImplementationVersion();
        spec.commandLine().getOut().print(ManPage.roff(spec.root(), v == null ? "dev" : v, LocalDate.now(ZoneOffset.UTC)));
        spec.commandLine().getOut().flush();
    }
}
