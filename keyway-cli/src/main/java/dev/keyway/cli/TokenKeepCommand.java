package dev.keyway.cli;

import dev.keyway.cli.keep.Expected;
import dev.keyway.cli.keep.KeepApi;
import dev.keyway.cli.keep.KeepOutcome;
import dev.keyway.cli.keep.Keeper;
import dev.keyway.cli.keep.TokenFacts;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.time.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway token keep}: keeps an unattended machine's periodic token alive (run it from a
 * timer, or with {@code --watch}) and heals the token file when something else overwrote it.
 */
@Command(name = "keep", mixinStandardHelpOptions = true,
        description = {"Keep a machine's periodic token file alive. Our token is renewed. Another",
            "token found in the file is never renewed: ours is re-minted with that token's",
            "own authority (the server decides), checked, written atomically, and stale",
            "tokens with our display name are revoked. Run it from a timer",
            "(contrib/systemd) or with --watch.",
            "--reset mints a new token with your own credentials (KEYWAY_TOKEN, the",
            "'keyway login' session or the local admin token)."},
        footer = {"", "Example:", "  keyway token keep --display-name build-box --vault ci --period 768h", "", KeepOutcome.HELP})
final class TokenKeepCommand implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandLine.Model.CommandSpec spec;
    @Option(names = "--token-file", paramLabel = "FILE", description = "The token file (0600; default <data dir>/agent-token).")
    @Nullable Path tokenFile;
    @Option(names = "--display-name", required = true, paramLabel = "NAME", description = "Our token's display name.")
    String displayName = "";
    @Option(names = "--vault", required = true, paramLabel = "VAULT", description = "The vault our token is bound to.")
    String vault = "";
    @Option(names = "--role", defaultValue = "proxy", paramLabel = "ROLE", description = "The role our token has (default proxy).")
    String role = "proxy";
    @Option(names = "--period", defaultValue = "768h", paramLabel = "DURATION", description = "Our token's period (default 768h).")
    String period = "768h";
    @Option(names = "--reset", description = "Mint a new token with your own credentials and replace the file.")
    boolean reset;
    @Option(names = "--watch", description = "Keep running, one pass per --interval; failures are logged and retried.")
    boolean watch;
    @Option(names = "--interval", defaultValue = "1h", paramLabel = "DURATION", description = "Time between passes with --watch (default 1h).")
    String interval = "1h";
    @Option(names = "--iterations", hidden = true, description = "Stop --watch after this many passes (tests).")
    @Nullable Integer iterations;

    @Override
    public Integer call() throws InterruptedException {
        Duration p = duration("--period", period);
        Duration every = duration("--interval", interval);
        Path file = tokenFile != null ? tokenFile : client.dataDir().resolve("agent-token");
        Expected expected = new Expected(displayName, vault, role, p);
        Keeper keeper = new Keeper(new ApiKeepApi(client.address()), file, expected, recovery(file, p));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (reset) {
            String[] own = ownToken();
            return report(keeper.replaceUsing(own[0], own[1], own[1], false), out, err);
        }
        int code;
        int pass = 0;
        while (true) {
            code = report(keeper.keepOnce(), out, err);
            pass++;
            if (!watch || (iterations != null && pass >= iterations)) {
                return code;
            }
            Thread.sleep(every.toMillis());
        }
    }

    private static int report(KeepOutcome o, PrintWriter out, PrintWriter err) {
        PrintWriter w = o.exitCode() == KeepOutcome.OK ? out : err;
        w.println(o.line());
        w.flush();
        return o.exitCode();
    }

    private static Duration duration(String flag, String text) {
        try {
            return Durations.parse(flag, text);
        } catch (KeywayException e) {
            throw new CliException(ExitCodes.USAGE, e.detail());
        }
    }

    /**
     * The exact command that repairs the file by hand: {@code --reset} mints with the caller's own
     * credentials. A login session can only mint tokens that end before it does, so for a long period
     * that means the admin token on the server's machine (or KEYWAY_TOKEN set to a token that may).
     */
    private String recovery(Path file, Duration p) {
        List<String> c = new ArrayList<>(List.of("keyway", "token", "keep"));
        if (client.addr != null) {
            c.addAll(List.of("--addr", client.addr));
        }
        c.addAll(List.of("--token-file", file.toString(), "--display-name", displayName, "--vault", vault, "--period",
                Durations.format(p)));
        if (!role.equals("proxy")) {
            c.addAll(List.of("--role", role));
        }
        c.add("--reset");
        return String.join(" ", c.stream().map(TokenKeepCommand::shellWord).toList()) + "  (with credentials that may mint it: on the "
                + "Keyway server's machine its admin token is used; a 'keyway login' session only mints tokens that end before it does)";
    }

    private static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_./:=@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** The caller's own token and a description, with the same precedence as every other command. */
    private String[] ownToken() {
        String env = System.getenv("KEYWAY_TOKEN");
        if (env != null && !env.isBlank()) {
            return new String[] {env.strip(), "KEYWAY_TOKEN"};
        }
        Path dataDir = client.dataDir();
        Session s = Session.read(dataDir);
        if (s != null && s.live()) {
            return new String[] {s.token(), "your login session (" + s.email() + ")"};
        }
        Path admin = dataDir.resolve("admin-token");
        try {
            String t = Files.readString(admin).strip();
            if (!t.isEmpty()) {
                return new String[] {t, "the local admin token"};
            }
        } catch (IOException e) {
            // fall through
        }
        throw new CliException(ExitCodes.PERMISSION, "--reset needs your own credentials: run 'keyway login' first (or set KEYWAY_TOKEN)");
    }

    /** {@link KeepApi} over the control-plane API, one {@link ApiClient} per token, never sending a vault header. */
    static final class ApiKeepApi implements KeepApi {
        private final String base;

        ApiKeepApi(String base) {
            this.base = base;
        }

        private ApiClient as(String token) {
            return new ApiClient(base, token, Path.of("token file")).withVault(null);
        }

        @Override
        public String address() {
            return base;
        }

        @Override
        public TokenFacts lookupSelf(String token) {
            return TokenFacts.from(as(token).get("/v1/tokens/lookup-self"));
        }

        @Override
        public TokenFacts renewSelf(String token) {
            return TokenFacts.from(as(token).post("/v1/tokens/renew-self", Map.of()));
        }

        @Override
        public Minted mint(String authority, Expected e) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("vault", e.vault());
            body.put("period", e.periodText());
            body.put("display_name", e.displayName());
            JsonNode r = as(authority).post("/v1/tokens", body);
            return new Minted(r.get("token").asString(), r.hasNonNull("accessor") ? r.get("accessor").asString() : null);
        }

        @Override
        public List<TokenFacts> list(String authority) {
            List<TokenFacts> out = new ArrayList<>();
            for (JsonNode t : as(authority).get("/v1/tokens").path("tokens")) {
                out.add(TokenFacts.from(t));
            }
            return out;
        }

        @Override
        public void revoke(String authority, String accessor) {
            as(authority).post("/v1/tokens/revoke", Map.of("accessor", accessor));
        }

        @Override
        public void revokeSelf(String token) {
            as(token).post("/v1/tokens/revoke-self", Map.of());
        }
    }
}
