package dev.keyway.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keyway completion bash|zsh|fish}: the shell completion script, generated from the live
 * command tree so it never drifts from the commands and options. bash and zsh get picocli's script
 * (it loads {@code bashcompinit} itself in zsh); fish gets {@link FishCompletion}'s.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a shell completion script for bash, zsh or fish.",
            "bash: add 'source <(keyway completion bash)' to ~/.bashrc; zsh: the same line in ~/.zshrc;",
            "fish: keyway completion fish > ~/.config/fish/completions/keyway.fish"})
final class CompletionCommand implements Runnable {
    enum Shell { bash, zsh, fish }

    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "SHELL", description = "bash, zsh or fish.") Shell shell;

    @Override
    public void run() {
        String script = switch (shell) {
            case bash, zsh -> AutoComplete.bash("keyway", spec.root().commandLine());
            case fish -> FishCompletion.script(spec.root());
        };
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
    }
}
