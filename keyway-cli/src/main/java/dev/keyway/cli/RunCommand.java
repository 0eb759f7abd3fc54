package dev.keyway.cli;

import dev.keyway.cli.aws.AwsChildConfig;
import dev.keyway.core.fs.OwnerOnly;
import java.util.LinkedHashMap;
import tools.jackson.databind.JsonNode;

import dev.keyway.cli.run.ChildEnv;
import dev.keyway.cli.run.ChildLauncher;
import dev.keyway.cli.run.EnvPrinter;
import dev.keyway.cli.run.Isolation;
import dev.keyway.cli.run.Relay;
import dev.keyway.cli.run.KeywayShim;
import dev.keyway.cli.run.LoopbackServices;
import dev.keyway.cli.run.RunMode;
import dev.keyway.cli.run.McpInstaller;
import dev.keyway.cli.run.McpRegistrations;
import dev.keyway.cli.run.SkillFiles;
import dev.keyway.cli.run.SkillInstaller;
import dev.keyway.cli.run.SystemRoots;
import dev.keyway.cli.run.TrustFiles;
import dev.keyway.cli.run.TrustMaterial;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keyway run -- CMD ARGS...}: runs an unmodified program with its HTTP(S) traffic going
 * through Keyway. Chooses human or agent mode ({@link RunMode}), prepares the token, trust files and
 * environment ({@link RunPreparation}, {@link ChildEnv}), starts the child and returns its exit code;
 * in human mode the run token is revoked when the child exits.
 */
@Command(name = "run", mixinStandardHelpOptions = true, modelTransformer = RunCommand.StopAtCommand.class,
        description = {"Run a program with its HTTP(S) traffic going through Keyway; it holds",
            "only placeholders, never real keys. Sets the proxy, CA and JVM variables",
            "every common client stack reads (see docs/run.md).",
            "Human mode (after 'keyway login'): mints a token for this run and revokes",
            "it when the program exits.",
            "Agent mode (KEYWAY_TOKEN, KEYWAY_ADDR and KEYWAY_VAULT set: containers, CI):",
            "uses that token as is, after checking it."},
        footer = {"", "Examples:", "  keyway run -- claude", "  keyway run --vault work --ttl 2h -- python agent.py",
            "  keyway run --isolate -- claude      # Linux: only the Keyway proxy is reachable",
            "  keyway run --github-repos octo/api --github-permissions contents:read,pull_requests:write -- claude",
            "  eval \"$(keyway run --shell)\"", "",
            "Exit status: the program's (128+N if killed by signal N); 127 if it cannot",
            "be found, 126 if it cannot be started. Failures before the start use the",
            "codes in 'keyway --help'."})
final class RunCommand implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--vault", paramLabel = "VAULT", description = "Vault to use (env KEYWAY_VAULT; default: the token's vault).")
    @Nullable String vault;
    @Option(names = "--ttl", paramLabel = "DURATION", description = "Human mode: lifetime of the run token (default 8h).")
    @Nullable String ttl;
    @Option(names = "--services", split = ",", paramLabel = "a,b", description = "Human mode: restrict the run token to these services.")
    @Nullable List<String> services;
    @Option(names = "--keep-token", description = "Human mode: do not revoke the run token when the program exits.")
    boolean keepToken;
    @Option(names = "--no-proxy", split = ",", paramLabel = "HOST,...",
            description = "More hosts to reach directly (never a host a service is bound to).")
    List<String> noProxy = new ArrayList<>();
    @Option(names = "--proxy", paramLabel = "HOST:PORT",
            description = "Proxy address as the program must dial it (env KEYWAY_PROXY; default: what the server reports).")
    @Nullable String proxy;
    @Option(names = "--print-env", description = "Print the variables that would be set (token masked) and exit.")
    boolean printEnv;
    @Option(names = "--shell", description = "Print 'export' lines to eval in a shell (the token stays valid) and exit.")
    boolean shell;
    @Option(names = "--install-skill", negatable = true,
            description = "Write Keyway's skill file for agent CLIs and add the 'keyway mcp' server to their MCP"
                    + " configuration (default: for the ones found on PATH; never overwrites your edits).")
    @Nullable Boolean installSkill;
    @Option(names = "--grant", paramLabel = "aws[:NAME]",
            description = {"Give the program AWS access through a vault's AWS grant (see 'keyway aws grant').",
                "credential-process grants: the AWS SDK/CLI fetch short-lived role credentials through Keyway;",
                "sign grants: the program only gets placeholder keys and the proxy re-signs its requests.",
                "NAME may be omitted when the vault has exactly one AWS grant."})
    List<String> grants = new ArrayList<>();
    @Option(names = "--aws-session-policy", paramLabel = "FILE.json",
            description = {"With --grant aws (grants without their own session policy): an inline session policy for this",
                "run's AWS sessions, so the run gets narrower permissions than the role (sign mode: run tokens only)."})
    @Nullable Path awsSessionPolicy;
    @Option(names = "--aws-session-tag", paramLabel = "KEY=VALUE",
            description = "With --grant aws: a session tag for this run's AWS sessions (repeatable; "
                    + "the role's trust policy must allow sts:TagSession).")
    Map<String, String> awsSessionTags = new LinkedHashMap<>();
    @Option(names = "--github-repos", split = ",", paramLabel = "OWNER/NAME,...",
            description = {"Narrow this run's GitHub App installation tokens (credentials made with --grant github-app)",
                "to these repositories (OWNER/NAME or NAME, at most 500): the proxy injects tokens minted for them only",
                "(run tokens only; set once per run token; a narrowing GitHub refuses fails with 502, never the wide token)."})
    List<String> githubRepos = new ArrayList<>();
    @Option(names = "--github-permissions", split = ",", paramLabel = "PERMISSION:LEVEL,...",
            description = {"Narrow this run's GitHub App installation tokens to these permissions (LEVEL read, write or",
                "admin), e.g. contents:read,issues:write; with or without --github-repos."})
    List<String> githubPermissions = new ArrayList<>();

    @Option(names = "--isolate", description = {"Linux: run the program in its own network namespace where the Keyway proxy",
        "(and a Keyway API on this machine) is all it can reach; a client that ignores the proxy",
        "fails at once instead of going direct. Exit 7, before anything starts, when unavailable."})
    boolean isolate;

    @Option(names = {"-q", "--quiet"}, description = "No status line on stderr.")
    boolean quiet;
    @Parameters(paramLabel = "CMD", arity = "0..*", description = "The program and its arguments (after --).")
    List<String> command = new ArrayList<>();

    /** Test seams: the inherited environment, how the child is started, where system roots are read. */
    Map<String, String> environment = System.getenv();
    ChildLauncher launcher = ChildLauncher.inheritIo();
    List<Path> rootBundles = SystemRoots.BUNDLE_PATHS;
    /** Test seam: the OS name the isolation probe checks. */
    String osName = System.getProperty("os.name", "unknown");

    /** Makes everything after the first positional argument belong to the program: {@code keyway run curl -v}. */
    static final class StopAtCommand implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            spec.parser().stopAtPositional(true);
            return spec;
        }
    }

    @Override
    public Integer call() {
        if (command.isEmpty() && !printEnv && !shell) {
            throw new CliException(ExitCodes.USAGE, "missing program: keyway run [options] -- CMD [ARGS...]");
        }
        if (grants.isEmpty() && (awsSessionPolicy != null || !awsSessionTags.isEmpty())) {
            throw new CliException(ExitCodes.USAGE, "--aws-session-policy and --aws-session-tag need --grant aws[:NAME]");
        }
        if (isolate && shell) {
            throw new CliException(ExitCodes.USAGE, "--isolate cannot apply to a shell that evals --shell output; use keyway run --isolate -- CMD");
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        long[] ids = Isolation.ids();
        Isolation.Probe probe = null;
        if (isolate) {
            // before any token is minted or file written: never a silent fallback to an unisolated run
            probe = Isolation.probe(environment, osName, ids[0], ids[1]);
            if (!probe.available()) {
                throw new CliException(ExitCodes.ISOLATION_UNAVAILABLE, "--isolate: " + probe.detail() + "; nothing was started");
            }
        }
        Path dataDir = dataDir();
        String envToken = environment.get("KEYWAY_TOKEN");
        RunMode mode = envToken != null && !envToken.isBlank() ? RunMode.resolve(environment, flags(), null, null) : humanMode(dataDir);
        String program = command.isEmpty() ? null : Path.of(command.getFirst()).getFileName().toString();
        RunPreparation.Prepared prep = RunPreparation.prepare(mode, program, proxy != null ? proxy : environment.get("KEYWAY_PROXY"));
        Path trustDir = null;
        boolean temp = !(printEnv || shell);
        try {
            trustDir = temp ? tempDir() : persistentDir(dataDir);
            TrustFiles trust = TrustMaterial.write(trustDir, prep.caPem(), SystemRoots.load(rootBundles), userWgetrc());
            ChildEnv.Result env = ChildEnv.build(new ChildEnv.Inputs(environment, prep.addr(), prep.token(), prep.vault(),
                    isolate ? Isolation.INNER_PROXY_HOST : prep.proxyHost(), prep.proxyPort(), prep.keywayHost(), prep.services(),
                    noProxy, trust));
            if (!grants.isEmpty()) {
                env = withAws(env, prep, trustDir, trust.bundle());
            }
            if (!githubRepos.isEmpty() || !githubPermissions.isEmpty()) {
                narrowGitHub(prep);
            }
            IsolatedRun iso = probe != null && probe.unshare() != null
                    ? IsolatedRun.plan(probe.unshare(), trustDir, prep, ids) : null;
            if (printEnv || shell) {
                if (iso != null) {
                    iso.describe(command).forEach(out::println);
                }
                (shell ? EnvPrinter.shell(env) : EnvPrinter.printEnv(env, prep.token())).forEach(out::println);
                out.flush();
                if (shell && prep.minted() && !quiet) {
                    err.println("keyway: the run token expires " + prep.expiresAt() + "; revoke it early with: keyway token revoke --accessor "
                            + prep.accessor());
                }
                return ExitCodes.OK;
            }
            installSkills();
            // the program (and the Keyway skill) can call 'keyway': the same java and jar as this run
            List<String> self = selfCommand();
            if (self != null) {
                env = KeywayShim.onPath(env, KeywayShim.write(trustDir, self));
            }
            if (!quiet) {
                err.println("keyway: vault " + prep.vault() + " via proxy " + prep.proxyHost() + ":" + prep.proxyPort() + ", "
                        + prep.services().stream().filter(x -> !x.host().isEmpty()).count() + " service(s); " + (prep.minted() ? "run token expires " + prep.expiresAt()
                        + (keepToken ? " (kept)" : " (revoked when " + program + " exits)") : "agent token from KEYWAY_TOKEN")
                        + (iso != null ? "; isolated: own network namespace, only the proxy is reachable" : ""));
                LoopbackServices.warning(prep.services()).ifPresent(err::println);
                err.flush();
            }
            if (iso != null) {
                try (IsolatedRun.Outside relays = iso.startRelays()) {
                    return launch(iso.command(command), Isolation.relayEnvironment(env.full()), err);
                }
            }
            return launch(command, env.full(), err);
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILURE, "cannot prepare the run: " + e.getMessage());
        } finally {
            if (temp && trustDir != null) {
                deleteTree(trustDir);
            }
            if (prep.minted() && !keepToken && !shell) {
                RunPreparation.revoke(prep, err);
            }
        }
    }

    /**
     * Binds {@code --github-repos}/{@code --github-permissions} to the run's token ({@code POST
     * /v1/github/run-scope}) before the program starts; a refusal (an agent token, a bad entry)
     * stops the run, and the minted run token is revoked as on any failure.
     */
    private void narrowGitHub(RunPreparation.Prepared prep) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (!githubRepos.isEmpty()) {
            body.put("repositories", githubRepos);
        }
        if (!githubPermissions.isEmpty()) {
            try {
                body.put("permissions", dev.keyway.core.oauth.GitHubNarrowing.permissions(githubPermissions));
            } catch (dev.keyway.core.error.KeywayException e) {
                throw new CliException(ExitCodes.USAGE, "--github-permissions: " + e.detail());
            }
        }
        try {
            ApiClient.create(prep.addr(), dataDir()).withToken(prep.token()).withVault(prep.vault()).post("/v1/github/run-scope", body);
        } catch (CliException e) {
            throw new CliException(e.exitCode(), "the run's GitHub narrowing was refused: " + e.getMessage());
        }
    }

    /** Adds the AWS profile for {@code --grant aws[:NAME]} (see AwsChildConfig). */
    private ChildEnv.Result withAws(ChildEnv.Result env, RunPreparation.Prepared prep, Path dir, Path caBundle) throws IOException {
        if (grants.size() > 1) {
            throw new CliException(ExitCodes.USAGE, "only one --grant is supported per run");
        }
        String g = grants.getFirst();
        if (!g.equals("aws") && !g.startsWith("aws:")) {
            throw new CliException(ExitCodes.USAGE, "--grant must be aws or aws:NAME (got '" + g + "')");
        }
        String wanted = g.startsWith("aws:") ? g.substring(4) : null;
        JsonNode d = ApiClient.create(prep.addr(), dataDir()).withToken(prep.token()).withVault(prep.vault()).get("/discover");
        List<JsonNode> available = new ArrayList<>();
        d.path("aws").forEach(available::add);
        JsonNode grant = null;
        for (JsonNode a : available) {
            if (wanted == null ? available.size() == 1 : a.path("name").asString().equals(wanted)) {
                grant = a;
            }
        }
        if (grant == null) {
            List<String> names = available.stream().map(a -> a.path("name").asString()).toList();
            throw new CliException(ExitCodes.NOT_FOUND, (wanted == null
                    ? (names.isEmpty() ? "vault " + prep.vault() + " has no AWS grant you may use; create one with 'keyway aws grant'"
                            : "vault " + prep.vault() + " has several AWS grants " + names + "; choose one with --grant aws:NAME")
                    : "no AWS grant '" + wanted + "' you may use in vault " + prep.vault() + " (available: " + names + ")"));
        }
        String mode = grant.path("mode").asString();
        String policy = null;
        if (awsSessionPolicy != null || !awsSessionTags.isEmpty()) {
            if (awsSessionPolicy != null) {
                try {
                    policy = Files.readString(awsSessionPolicy);
                } catch (IOException e) {
                    throw new CliException(ExitCodes.USAGE, "cannot read --aws-session-policy " + awsSessionPolicy + ": " + e.getMessage());
                }
            }
        }
        boolean sign = mode.equals("sign");
        if (policy != null || !awsSessionTags.isEmpty()) {
            // fail before the program starts (bad policy, grant with its own policy, tags the role refuses);
            // the session this opens is cached for the program's first credential fetch. Sign mode binds
            // the scope to the run's token (the proxy signs with the scoped session); agent tokens are refused.
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("grant", grant.path("name").asString());
            if (policy != null) {
                body.put("session_policy", policy);
            }
            if (!awsSessionTags.isEmpty()) {
                body.put("session_tags", awsSessionTags);
            }
            try {
                ApiClient.create(prep.addr(), dataDir()).withToken(prep.token()).withVault(prep.vault()).post(sign ? "/v1/aws/run-scope" : "/v1/aws/credentials", body);
            } catch (CliException e) {
                throw new CliException(e.exitCode(), "the per-run AWS session for grant '" + grant.path("name").asString()
                        + "' was refused: " + e.getMessage());
            }
        }
        AwsChildConfig.Child aws = AwsChildConfig.write(dir, grant.path("name").asString(), keywayCommand(),
                grant.path("region").asString(), mode, prep.vault(), caBundle, sign ? null : policy,
                sign ? Map.of() : awsSessionTags);
        Map<String, String> full = new LinkedHashMap<>(env.full());
        aws.unset().forEach(full::remove);
        full.putAll(aws.set());
        Map<String, String> set = new LinkedHashMap<>(env.set());
        set.putAll(aws.set());
        List<String> removed = new ArrayList<>(env.removed());
        removed.addAll(aws.unset());
        return new ChildEnv.Result(set, removed, full);
    }

    /** The argv that runs this Keyway CLI again (for the AWS SDK's credential_process). */
    private static List<String> keywayCommand() {
        List<String> self = selfCommand();
        return self != null ? self : List.of("keyway");
    }

    /** The java and jar (or class path) this CLI runs with, or null when they cannot be told. */
    private static @Nullable List<String> selfCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            Path self = Path.of(RunCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(self) && self.toString().endsWith(".jar")) {
                return List.of(java, "-jar", self.toString());
            }
            return List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName());
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private int launch(List<String> argv, Map<String, String> env, PrintWriter err) {
        try {
            return launcher.run(argv, env);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            boolean notFound = m.contains("error=2,") || m.contains("No such file");
            err.println("keyway: cannot run " + command.getFirst() + ": " + (notFound ? "command not found" : m));
            err.flush();
            return notFound ? 127 : 126;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private RunMode humanMode(Path dataDir) {
        RunMode.LocalLogin login = null;
        String problem = null;
        Session s = Session.read(dataDir);
        if (s != null && s.live()) {
            login = new RunMode.LocalLogin(s.token(), "your login session (" + s.email() + ")", s.addr(), s.expiresAt());
        } else {
            if (s != null) {
                problem = "your login session (" + s.email() + ") expired at " + s.expiresAt();
            }
            Path admin = dataDir.resolve("admin-token");
            if (Files.isReadable(admin)) {
                try {
                    String t = Files.readString(admin).strip();
                    if (!t.isEmpty()) {
                        // the admin token is valid on the server running on this data dir: use its recorded address
                        login = new RunMode.LocalLogin(t, "the local admin token " + admin, ClientOptions.recordedAddress(dataDir), null);
                    }
                } catch (IOException e) {
                    // treated as absent
                }
            }
        }
        return RunMode.resolve(environment, flags(), login, problem);
    }

    private RunMode.Flags flags() {
        return new RunMode.Flags(client.addr, vault, ttl, services, keepToken || shell);
    }

    private void installSkills() {
        String home = environment.getOrDefault("HOME", System.getProperty("user.home"));
        List<SkillFiles.Target> all = SkillFiles.targets(environment, Path.of(home));
        String program = Path.of(command.getFirst()).getFileName().toString();
        List<SkillFiles.Target> chosen = SkillFiles.select(all, installSkill,
                p -> p.equals(program) || SkillInstaller.onPath(environment, p));
        if (!chosen.isEmpty()) {
            SkillInstaller.install(chosen, SkillInstaller.skill(), spec.commandLine().getErr(), Boolean.TRUE.equals(installSkill));
        }
        List<McpRegistrations.Target> mcp = McpRegistrations.select(McpRegistrations.targets(environment, Path.of(home)),
                installSkill, p -> p.equals(program) || SkillInstaller.onPath(environment, p));
        if (!mcp.isEmpty()) {
            McpInstaller.install(mcp, spec.commandLine().getErr(), Boolean.TRUE.equals(installSkill));
        }
    }

    /** The wgetrc GNU wget would read without us (WGETRC, else ~/.wgetrc), carried into ours; null if none. */
    private @Nullable String userWgetrc() {
        String named = environment.get("WGETRC");
        Path f = named != null && !named.isBlank() ? Path.of(named)
                : Path.of(environment.getOrDefault("HOME", System.getProperty("user.home")), ".wgetrc");
        if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
            return null;
        }
        try {
            String text = Files.readString(f);
            // a wgetrc written by an outer 'keyway run' already ends with its ca_certificate; ours comes last and wins
            return text.length() > 64 * 1024 ? null : text;
        } catch (IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }

    private Path dataDir() {
        if (client.dataDir != null) {
            return client.dataDir;
        }
        String home = environment.get("KEYWAY_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        return Path.of(environment.getOrDefault("HOME", System.getProperty("user.home")), ".keyway");
    }

    private static Path tempDir() throws IOException {
        return OwnerOnly.createTempDirectory("keyway-run-");
    }

    /** {@code --print-env}/{@code --shell} output must outlive this process: trust files go to the data dir. */
    private static Path persistentDir(Path dataDir) throws IOException {
        Path d = dataDir.resolve("run");
        try {
            OwnerOnly.createDirectories(d);
            return d;
        } catch (IOException e) {
            return tempDir();
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // already gone
        }
    }
}
