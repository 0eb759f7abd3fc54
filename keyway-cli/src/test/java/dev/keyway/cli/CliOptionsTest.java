package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One definition per option: every {@code --json} and every vault-selecting {@code --vault} in the
 * command tree comes from its mixin ({@link JsonOption}, {@link VaultOption}), so a copy pasted into
 * a new command fails here. The few {@code --vault} options with another meaning are listed below
 * with that meaning; the list cannot go stale (each entry must still exist and differ).
 */
class CliOptionsTest {
    /** Commands whose {@code --vault} is not "the vault to work in, KEYWAY_VAULT else default". */
    static final Map<String, String> OTHER_VAULT_MEANINGS = Map.of(
            "keyway run", "the vault to run in; default: the token's vault (or KEYWAY_VAULT)",
            "keyway proposal create", "the vault to propose in; default: the token's vault",
            "keyway proposal list", "a filter: only this vault",
            "keyway proposal review", "a filter: only this vault",
            "keyway token list", "a filter: only tokens bound to this vault",
            "keyway token keep", "required: the vault the kept token is bound to",
            "keyway audit tail", "a filter: only this vault's records",
            "keyway agent create", "repeatable grants VAULT[:ROLE]",
            "keyway aws credential-process", "KEYWAY_VAULT, else the token's vault (no 'default')");

    static final List<CommandSpec> COMMANDS = new ArrayList<>();

    @BeforeAll
    static void walk() {
        collect(Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), List.of()));
        assertThat(COMMANDS).hasSizeGreaterThan(50);
    }

    private static void collect(CommandLine cl) {
        COMMANDS.add(cl.getCommandSpec());
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandName())) {
                collect(sub);
            }
        });
    }

    static boolean fromMixin(CommandSpec spec, OptionSpec option, Class<?> mixin) {
        return spec.mixins().values().stream().anyMatch(m -> mixin.isInstance(m.userObject()) && m.options().contains(option));
    }

    @Test
    void everyJsonOptionIsTheMixin() {
        List<String> copies = new ArrayList<>();
        int uses = 0;
        for (CommandSpec c : COMMANDS) {
            OptionSpec json = c.findOption("--json");
            if (json != null) {
                uses++;
                if (!fromMixin(c, json, JsonOption.class)) {
                    copies.add(c.qualifiedName());
                }
            }
        }
        assertThat(copies).as("--json declared outside JsonOption (use @Mixin JsonOption json)").isEmpty();
        assertThat(uses).isGreaterThanOrEqualTo(25);
    }

    @Test
    void everyVaultSelectingOptionIsTheMixin() {
        Map<String, String> others = new TreeMap<>();
        int uses = 0;
        // picocli resolves ${env:KEYWAY_VAULT:-default} when the tree is built
        String selected = System.getenv("KEYWAY_VAULT") == null ? "default" : System.getenv("KEYWAY_VAULT");
        for (CommandSpec c : COMMANDS) {
            OptionSpec vault = c.findOption("--vault");
            if (vault == null) {
                continue;
            }
            if (fromMixin(c, vault, VaultOption.class)) {
                uses++;
                assertThat(vault.defaultValue()).as(c.qualifiedName()).isEqualTo(selected);
                assertThat(vault.description()).containsExactly("Vault (default: KEYWAY_VAULT or default).");
            } else {
                others.put(c.qualifiedName(), String.join(" ", vault.description()));
                // a copy of the mixin's meaning under another declaration is exactly what must not happen
                assertThat(vault.defaultValue()).as(c.qualifiedName()).isNotEqualTo("default");
            }
        }
        assertThat(others.keySet()).as("--vault declared outside VaultOption: use @Mixin VaultOption vault, or, if it means"
                + " something else, list it in OTHER_VAULT_MEANINGS").containsExactlyInAnyOrderElementsOf(OTHER_VAULT_MEANINGS.keySet());
        assertThat(uses).isGreaterThanOrEqualTo(16);
    }

    @Test
    void theMixinsBehaveAsTheOptionsDid() {
        CommandLine vault = new CommandLine(new VaultHolder());
        vault.parseArgs();
        String expected = System.getenv("KEYWAY_VAULT") == null ? "default" : System.getenv("KEYWAY_VAULT");
        assertThat(((VaultHolder) vault.getCommand()).vault.name()).isEqualTo(expected);
        vault.parseArgs("--vault", "team-a");
        assertThat(((VaultHolder) vault.getCommand()).vault.name()).isEqualTo("team-a");
        CommandLine json = new CommandLine(new JsonHolder());
        json.parseArgs();
        assertThat(((JsonHolder) json.getCommand()).json.enabled()).isFalse();
        json.parseArgs("--json");
        assertThat(((JsonHolder) json.getCommand()).json.enabled()).isTrue();
    }

    @CommandLine.Command(name = "v")
    static final class VaultHolder {
        @CommandLine.Mixin VaultOption vault;
    }

    @CommandLine.Command(name = "j")
    static final class JsonHolder {
        @CommandLine.Mixin JsonOption json;
    }
}
