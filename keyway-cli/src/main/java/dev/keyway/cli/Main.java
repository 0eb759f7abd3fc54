package dev.keyway.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code keyway} command tree: the client commands, error handling and exit codes. keyway-cli
 * depends on keyway-core only, so {@code server} is not here: keyway-dist's {@code Main} passes it
 * to {@link #commandLine(PrintWriter, PrintWriter, List)} as a leading command. Run on its own (tests,
 * {@code java -cp}), this class offers the client commands.
 */
@Command(
        name = "keyway",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Keyway: a credential broker and TLS-intercepting egress proxy for AI agents.",
            "Agents hold only a Keyway token and placeholders; Keyway injects the real credentials on the wire.",
            ""
        },
        footer = {
            "",
            "Environment:",
            "  KEYWAY_ADDR             server URL (default: the address in the data dir's server.json",
            "                          written by a running server, else http://127.0.0.1:9790)",
            "  KEYWAY_HOME             data directory (default ~/.keyway)",
            "  KEYWAY_TOKEN            token to use instead of the data dir's admin token",
            "  KEYWAY_VAULT            vault for commands that take --vault (agent mode)",
            "  KEYWAY_MASTER_PASSWORD  master password for 'keyway server'",
            "",
            "On PATH: from a checkout, './keyway install [--prefix DIR]' links a keyway command into",
            "DIR/bin (default ~/.local/bin). Inside 'keyway run' the program can always call keyway.",
            "",
            ExitCodes.HELP
        })
public final class Main implements Runnable {
    /** The client commands in the order help lists them (after any leading command such as {@code server}). */
    static final List<Class<?>> CLIENT_COMMANDS = List.of(
            IdentityCommands.Setup.class,
            IdentityCommands.Login.class,
            IdentityCommands.Logout.class,
            IdentityCommands.Whoami.class,
            VaultCommand.class,
            CredentialCommand.class,
            OAuthCommand.class,
            ServiceCommand.class,
            AwsCommand.class,
            TokenCommand.class,
            AgentCommand.class,
            UserCommand.class,
            DiscoverCommand.class,
            ExplainCommand.class,
            McpCommand.class,
            RunCommand.class,
            CaCommand.class,
            AuditCommand.class,
            StatusCommand.class,
            DoctorCommand.class,
            MasterKeyCommand.class,
            AdminTokenCommand.class,
            ProposalCommand.class,
            ApprovalCommand.class,
            WebhookCommand.class,
            LimitCommand.class,
            SourceCommand.class,
            CompletionCommand.class,
            ManCommand.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams (used by tests); returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err, List.of(), args).execute(args);
    }

    /** Commands that walk the whole tree (help of another command, completion scripts, the man page). */
    private static final Set<String> WHOLE_TREE = Set.of("help", "completion", "man");

    /**
     * Which of {@code commands} (annotated classes or instances, in help order) to build for these
     * arguments. Building picocli's model of every command (reflection over ~100 annotated classes)
     * was most of the CPU of a CLI call (issue 14: {@code keyway --version} took 1 s), so a call
     * that names its command builds only that one, and {@code --version} builds none. Everything
     * else builds the whole tree: no arguments or root options (the usage lists every command), an
     * unknown or mistyped command (the suggestions need every name), and {@link #WHOLE_TREE}.
     */
    static List<Object> commandsFor(String[] args, List<Object> commands) {
        if (args.length == 0) {
            return commands;
        }
        String first = args[0];
        if (first.equals("--version") || first.equals("-V")) {
            return List.of();
        }
        if (first.startsWith("-") || WHOLE_TREE.contains(first)) {
            return commands;
        }
        for (Object c : commands) {
            Command a = (c instanceof Class<?> k ? k : c.getClass()).getAnnotation(Command.class);
            if (a != null && (a.name().equals(first) || Arrays.asList(a.aliases()).contains(first))) {
                return List.of(c);
            }
        }
        return commands;
    }

    /**
     * {@link #commandLine(PrintWriter, PrintWriter, List)} with only the commands these arguments
     * need ({@link #commandsFor}): what {@code keyway ARGS} runs.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, List<Object> leading, String[] args) {
        List<Object> all = new ArrayList<>(leading);
        all.addAll(CLIENT_COMMANDS);
        return build(out, err, commandsFor(args, all));
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, List.of());
    }

    /**
     * The command tree with {@code leading} commands (annotated picocli command objects) before the
     * client commands, and the CLI's streams, colours, help examples and exception handlers.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, List<Object> leading) {
        List<Object> all = new ArrayList<>(leading);
        all.addAll(CLIENT_COMMANDS);
        return build(out, err, all);
    }

    private static CommandLine build(PrintWriter out, PrintWriter err, List<Object> commands) {
        CommandLine cl = new CommandLine(new Main());
        // each subtree built by the public constructor, which (unlike addSubcommand(Object)) applies
        // model transformers such as RunCommand's stop-at-positional
        for (Object command : commands) {
            add(cl, new CommandLine(command));
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(Colour.ansi(System.getenv(), Colour.stdoutIsTerminal())));
        HelpExamples.apply(cl);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof CliException c) {
                commandLine.getErr().println("keyway: " + c.getMessage());
                commandLine.getErr().flush();
                return c.exitCode();
            }
            if (ex instanceof dev.keyway.core.error.KeywayException k) {
                commandLine.getErr().println("keyway: " + k.detail());
                commandLine.getErr().flush();
                return ExitCodes.of(k.type());
            }
            commandLine.getErr().println("keyway: unexpected error: " + ex);
            commandLine.getErr().flush();
            return ExitCodes.FAILURE;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            String message = ex.getMessage() == null ? "" : ex.getMessage();
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                // one wording for commands and options (picocli says "Possible solutions" for options)
                message = message.lines().filter(l -> !l.startsWith("Possible solutions") && !l.startsWith("Did you mean"))
                        .collect(java.util.stream.Collectors.joining("\n"))
                        + "\nDid you mean: " + String.join(", ", u.getSuggestions().stream().limit(3).toList()) + "?";
            }
            c.getErr().println("keyway: " + message);
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            c.getErr().flush();
            return ExitCodes.USAGE;
        });
        return cl;
    }

    private static void add(CommandLine root, CommandLine sub) {
        root.addSubcommand(sub.getCommandName(), sub);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"keyway " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
