package dev.keyway.cli;

import picocli.CommandLine.Option;

/**
 * {@code --vault}: the vault a command works in, {@code KEYWAY_VAULT} else {@code default}. One
 * definition (a picocli mixin) so every command that selects a vault names, defaults and documents
 * it the same way, and agent mode's {@code KEYWAY_VAULT} reaches all of them. Options that only
 * share the name (a list filter, a grant, the token's own vault) keep their own declarations;
 * {@code CliOptionsTest} lists them and fails on any other copy.
 */
public final class VaultOption {
    static final String DEFAULT = "${env:KEYWAY_VAULT:-default}";
    static final String DESCRIPTION = "Vault (default: KEYWAY_VAULT or default).";

    @Option(names = "--vault", defaultValue = DEFAULT, paramLabel = "VAULT", description = DESCRIPTION)
    String vault = "default";

    /** The selected vault's name. */
    public String name() {
        return vault;
    }
}
