package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.cli.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code keyway server} as assembled in keyway-dist: listed first, its help and examples intact, and
 * its usage errors reported before anything starts (these ran in keyway-cli before the move).
 */
class ServerCommandTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            code = Main.run(args, o, e);
        }
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void theShippedTreeIsServerAndDbThenEveryClientCommand() {
        List<String> client = new ArrayList<>(dev.keyway.cli.Main.commandLine(new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()), List.of()).getSubcommands().keySet());
        List<String> shipped = new ArrayList<>(Main.commandLine(new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter())).getSubcommands().keySet());
        assertThat(client).doesNotContain("server").contains("vault", "credential", "help");
        List<String> expected = new ArrayList<>(List.of("server", "db"));
        expected.addAll(client);
        assertThat(shipped).isEqualTo(expected);
        String help = run("--help").out();
        assertThat(help).contains("Usage: keyway");
        assertThat(help.indexOf("  server")).isPositive().isLessThan(help.indexOf("  vault"));
    }

    @Test
    void theEntryPointRunsEveryServerSideCommand() {
        // main() builds only the command its arguments name: each server-side command must still be found
        Result db = run("db", "migrate", "--help");
        assertThat(db.code()).as(db.err()).isEqualTo(ExitCodes.OK);
        assertThat(db.out()).contains("Usage: keyway db migrate");
        Result server = run("server", "--help");
        assertThat(server.code()).as(server.err()).isEqualTo(ExitCodes.OK);
    }

    @Test
    void serverHelpHasEveryOptionAndAnExample() {
        Result r = run("server", "--help");
        assertThat(r.code()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("Usage: keyway server", "Run Keyway: the control-plane API", "Examples:",
                "keyway server --data-dir /srv/keyway", "--data-dir", "--api-addr", "--proxy-addr", "--allow-private-upstreams",
                "--allow-cidr", "--upstream-ca", "--upstream-proxy", "--master-password-file", "--reset-admin-token",
                "--audit-file-mb", "--audit-keep-files", "--proxy-max-connections", "--proxy-max-connections-per-address",
                "--api-max-connections", "--api-max-connections-per-address", "--api-header-timeout", "--log-level");
        assertThat(run("help", "server").out()).contains("Usage: keyway server");
    }

    @Test
    void badServerOptionsAreUsageErrorsBeforeAnythingStarts() {
        assertThat(run("server", "--api-addr", "nocolon").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("server", "--bogus").code()).isEqualTo(ExitCodes.USAGE);
        List<List<String>> cases = List.of(
                List.of("--audit-file-mb", "0"),
                List.of("--audit-keep-files", "-1"),
                List.of("--api-max-connections", "0"),
                List.of("--api-max-connections", "10", "--api-max-connections-per-address", "11"),
                List.of("--api-header-timeout", "0"),
                List.of("--log-level", "loud"));
        for (List<String> c : cases) {
            List<String> args = new ArrayList<>(List.of("server"));
            args.addAll(c);
            Result r = run(args.toArray(String[]::new));
            assertThat(r.code()).as("keyway server %s: %s", c, r.err()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains("keyway: ").contains(c.get(c.size() - 2).equals("--log-level") ? "log level" : c.get(c.size() - 2));
        }
    }
}
