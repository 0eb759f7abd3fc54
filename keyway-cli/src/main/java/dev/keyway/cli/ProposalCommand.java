package dev.keyway.cli;

import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code keyway proposal ...}: agents ask for services and credentials; members of the vault decide. */
@Command(name = "proposal", mixinStandardHelpOptions = true,
        description = {"Proposals: an agent asks for new services and/or credentials, a member of the vault approves or rejects.",
            "Proposals that would send an existing credential to a new host are flagged with a WARNING."},
        subcommands = {ProposalCommand.Create.class, ProposalCommand.List_.class, ProposalCommand.Show.class,
            ProposalCommand.Approve.class, ProposalCommand.Reject.class, ProposalCommand.Review.class})
final class ProposalCommand {
    private ProposalCommand() {}

    static String path(String id) {
        return "/v1/proposals/" + Paths.seg(id);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Propose services and/or credentials (usually run by an agent).",
                "From a file with the API body ({services: [...], credentials: [{name, description}], message}),",
                "or from options for one service. Prints the id, status and the approval URL to give to a human.",
                "Examples:",
                "  keyway proposal create -f proposal.json",
                "  keyway proposal create --service github --host api.github.com --bearer GITHUB_TOKEN \\",
                "      --credential GITHUB_TOKEN='read-only token' -m 'read issues for triage'"})
    static final class Create implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Proposal as JSON or YAML (the API body).") Path file;
        @Option(names = "--service", paramLabel = "NAME", description = "Name of a service to add.") String service;
        @Option(names = "--host", paramLabel = "HOST[:PORT]", description = "The service's host.") String host;
        @Option(names = "--path", paramLabel = "GLOB", description = "Allowed path glob (repeatable; default any).") List<String> paths = new ArrayList<>();
        @Option(names = "--method", paramLabel = "M", description = "Allowed HTTP method (repeatable; default any).") List<String> methods = new ArrayList<>();
        @Option(names = "--description", paramLabel = "TEXT", description = "The service's description.") String description;
        @ArgGroup(exclusive = true, multiplicity = "0..1") @Nullable Inject inject;
        @Option(names = "--credential", paramLabel = "NAME[=DESCRIPTION]", description = "Ask for a credential (repeatable).")
        List<String> credentials = new ArrayList<>();
        @Option(names = {"-m", "--message"}, paramLabel = "WHY", description = "Why you need this (required).") String message;
        @Option(names = "--vault", paramLabel = "VAULT", description = "Vault (default: the token's vault).") String vault;
        @Option(names = "--expires-in", paramLabel = "DURATION", description = "Expire sooner than the default 7d, e.g. 1d.") String expiresIn;
        @Mixin JsonOption json;

        static final class Inject {
            @Option(names = "--bearer", paramLabel = "CRED", description = "Authorization: Bearer <CRED>.") String bearer;
            @Option(names = "--header", paramLabel = "'Name: format'", description = "A header from a template like 'token {CRED}' (repeatable).")
            List<String> headers;
            @Option(names = "--passthrough", description = "Allow the host, inject nothing.") boolean passthrough;
        }

        @Override
        public void run() {
            ObjectNode body = file == null ? ApiClient.JSON.createObjectNode() : readFile(file);
            if (service != null) {
                body.withArray("services").add(ApiClient.JSON.valueToTree(serviceFromOptions()));
            } else if (host != null || inject != null || !paths.isEmpty() || !methods.isEmpty() || description != null) {
                throw new CliException(ExitCodes.USAGE, "--host, --path, --method, --description and the injection options need --service NAME");
            }
            for (String c : credentials) {
                int eq = c.indexOf('=');
                ObjectNode slot = body.withArray("credentials").addObject();
                slot.put("name", eq < 0 ? c : c.substring(0, eq));
                if (eq >= 0 && eq < c.length() - 1) {
                    slot.put("description", c.substring(eq + 1));
                }
            }
            if (!body.has("services") && !body.has("credentials")) {
                throw new CliException(ExitCodes.USAGE, "nothing to propose: give -f FILE, --service NAME --host HOST ..., or --credential NAME");
            }
            if (message != null) {
                body.put("message", message);
            }
            if (!body.has("message")) {
                throw new CliException(ExitCodes.USAGE, "-m/--message is required: tell the reviewer why you need this");
            }
            if (vault != null) {
                body.put("vault", vault);
            }
            if (expiresIn != null) {
                body.put("expires_in", expiresIn);
            }
            JsonNode r = client.client().post("/v1/proposals", body);
            PrintWriter out = spec.commandLine().getOut();
            if (json.enabled()) {
                Output.json(out, r);
                return;
            }
            printWarnings(out, r);
            out.println("Proposal " + r.get("id").asString() + " is " + r.get("status").asString() + " in vault " + r.get("vault").asString());
            out.println("Approval URL (give it to a human to review): " + r.get("approval_url").asString());
            out.println("Expires: " + r.get("expires_at").asString());
            out.println("Check its status with: keyway proposal show " + r.get("id").asString());
            out.flush();
        }

        private Map<String, Object> serviceFromOptions() {
            if (host == null) {
                throw new CliException(ExitCodes.USAGE, "--service needs --host");
            }
            if (inject == null) {
                throw new CliException(ExitCodes.USAGE, "--service needs one injection: --bearer CRED, --header 'Name: format', or --passthrough");
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", service);
            s.put("host", host);
            s.put("methods", methods);
            s.put("paths", paths);
            if (description != null) {
                s.put("description", description);
            }
            if (inject.bearer != null) {
                s.put("inject", Map.of("bearer", inject.bearer));
            } else if (inject.headers != null) {
                Map<String, Object> h = new LinkedHashMap<>();
                for (String line : inject.headers) {
                    int c = line.indexOf(':');
                    if (c <= 0) {
                        throw new CliException(ExitCodes.USAGE, "--header must look like 'Name: value {CRED}' (got '" + line + "')");
                    }
                    h.put(line.substring(0, c).strip(), line.substring(c + 1).strip());
                }
                s.put("inject", Map.of("header", h));
            } else {
                s.put("inject", "none");
            }
            return s;
        }

        private static ObjectNode readFile(Path f) {
            JsonNode doc;
            try {
                doc = ApiClient.YAML.readTree(Files.readString(f));
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read " + f + ": " + e.getMessage());
            } catch (RuntimeException e) {
                throw new CliException(ExitCodes.CONFLICT, f + " is not valid JSON or YAML: " + e.getMessage());
            }
            if (!(doc instanceof ObjectNode o)) {
                throw new CliException(ExitCodes.CONFLICT, f + ": expected an object with 'services', 'credentials' and 'message'");
            }
            return o;
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List proposals you may see (newest first).")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--vault", paramLabel = "VAULT", description = "Only this vault.") String vault;
        @Option(names = "--status", paramLabel = "STATUS", description = "pending, approved, rejected or expired.") String status;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode list = client.client().get("/v1/proposals" + query(vault, status)).get("proposals");
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), list);
                return;
            }
            var rows = ApiClient.JSON.createArrayNode();
            for (JsonNode p : list) {
                var row = rows.addObject();
                row.put("id", p.get("id").asString());
                row.put("vault", p.get("vault").asString());
                row.put("status", p.get("status").asString());
                row.put("created_by", p.get("created_by").asString());
                row.set("services", names(p.get("services")));
                row.set("credentials", names(p.get("credentials")));
                row.put("flags", p.get("flags").isEmpty() ? "-" : "WARNING " + String.join(",", strings(p.get("flags"))));
                row.put("expires_at", p.get("expires_at").asString());
            }
            Output.table(spec.commandLine().getOut(), rows, "id", "vault", "status", "created_by", "services", "credentials",
                    "flags", "expires_at");
        }
    }

    static String query(@Nullable String vault, @Nullable String status) {
        List<String> q = new ArrayList<>();
        if (vault != null) {
            q.add("vault=" + Paths.seg(vault));
        }
        if (status != null) {
            q.add("status=" + Paths.seg(status));
        }
        return q.isEmpty() ? "" : "?" + String.join("&", q);
    }

    @Command(name = "show", aliases = "get", mixinStandardHelpOptions = true,
            description = "Show one proposal (works with the approval token too). Flags are printed as WARNING lines first.")
    static final class Show implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID") String id;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode p = client.client().get(path(id));
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), p);
            } else {
                print(spec.commandLine().getOut(), p);
            }
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = {"Approve a proposal: its services are added and the credential values you give are stored, all at once.",
                "Each requested credential's value is read from a hidden prompt (Enter skips it) or from --value-file;",
                "never from the command line. Without a terminal, credentials without --value-file are left to set later."})
    static final class Approve implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--value", paramLabel = "NAME", description = "Prompt for this credential's value (repeatable).") List<String> prompt = new ArrayList<>();
        @Option(names = "--value-file", paramLabel = "NAME=FILE", description = "Read this credential's value from FILE (repeatable).")
        List<String> files = new ArrayList<>();
        @Mixin JsonOption json;

        @Override
        public void run() {
            ApiClient api = client.client();
            JsonNode p = api.get(path(id));
            PrintWriter out = spec.commandLine().getOut();
            printWarnings(out, p);
            Map<String, String> values = new LinkedHashMap<>();
            for (String f : files) {
                int eq = f.indexOf('=');
                if (eq <= 0 || eq == f.length() - 1) {
                    throw new CliException(ExitCodes.USAGE, "--value-file must look like NAME=FILE (got '" + f + "')");
                }
                values.put(f.substring(0, eq), readValueFile(Path.of(f.substring(eq + 1))));
            }
            Console console = System.console();
            @Nullable Prompter prompter = console == null ? null : Prompter.of(console);
            for (String name : prompt) {
                if (prompter == null) {
                    throw new CliException(ExitCodes.USAGE, "--value " + name + " needs a terminal for the hidden prompt; use --value-file "
                            + name + "=FILE");
                }
                String v = secret(prompter, name, false);
                if (v != null) {
                    values.put(name, v);
                }
            }
            JsonNode r = approve(api, p, values, prompter);
            if (json.enabled()) {
                Output.json(out, r);
            } else {
                printApproved(out, r);
            }
        }
    }

    /** Fills the remaining requested slots from the prompter (if any) and approves. */
    static JsonNode approve(ApiClient api, JsonNode p, Map<String, String> values, @Nullable Prompter prompter) {
        if (prompter != null) {
            for (JsonNode c : p.get("credentials")) {
                String name = c.get("name").asString();
                if (!values.containsKey(name)) {
                    String v = secret(prompter, name + (c.get("exists").asBoolean() ? " (exists; Enter keeps it)" : " (Enter to set it later)"), true);
                    if (v != null) {
                        values.put(name, v);
                    }
                }
            }
        }
        return api.post(path(p.get("id").asString()) + "/approve", Map.of("credentials", values));
    }

    private static @Nullable String secret(Prompter prompter, String label, boolean optional) {
        char[] pw = prompter.secret("Value for " + label + " (input hidden): ");
        try {
            if (pw == null || pw.length == 0) {
                if (!optional) {
                    throw new CliException(ExitCodes.USAGE, "no value entered");
                }
                return null;
            }
            return new String(pw);
        } finally {
            if (pw != null) {
                Arrays.fill(pw, '\0');
            }
        }
    }

    private static String readValueFile(Path f) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(f);
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + f + ": " + e.getMessage());
        }
        int n = raw.length;
        if (n > 0 && raw[n - 1] == '\n') {
            n--;
            if (n > 0 && raw[n - 1] == '\r') {
                n--;
            }
        }
        String v = new String(raw, 0, n, StandardCharsets.UTF_8);
        Arrays.fill(raw, (byte) 0);
        if (v.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, f + " is empty");
        }
        return v;
    }

    @Command(name = "reject", mixinStandardHelpOptions = true, description = "Reject a proposal; the agent sees the reason.")
    static final class Reject implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (shown to the proposer).") String reason;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (reason != null) {
                body.put("reason", reason);
            }
            JsonNode r = client.client().post(path(id) + "/reject", body);
            spec.commandLine().getOut().println("Rejected proposal " + r.get("id").asString());
        }
    }

    @Command(name = "review", mixinStandardHelpOptions = true,
            description = "Go through pending proposals one by one: [a]pprove, [r]eject, [s]kip or [q]uit. Needs a terminal.")
    static final class Review implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--vault", paramLabel = "VAULT", description = "Only this vault.") String vault;

        @Override
        public void run() {
            Console console = System.console();
            if (console == null) {
                throw new CliException(ExitCodes.USAGE, "'keyway proposal review' is interactive and needs a terminal; in scripts use "
                        + "'keyway proposal list', 'show', 'approve' and 'reject'");
            }
            ProposalReview.run(client.client(), vault, Prompter.of(console), spec.commandLine().getOut());
        }
    }

    // ---- printing ----

    static void printWarnings(PrintWriter out, JsonNode p) {
        JsonNode warnings = p.get("warnings");
        if (warnings != null && !warnings.isEmpty()) {
            for (JsonNode w : warnings) {
                out.println("WARNING: " + w.asString());
            }
        } else if (p.get("flags") != null && !p.get("flags").isEmpty()) {
            out.println("WARNING: " + String.join(", ", strings(p.get("flags"))));
        }
        out.flush();
    }

    static void print(PrintWriter out, JsonNode p) {
        printWarnings(out, p);
        out.println("Proposal " + p.get("id").asString() + " (" + p.get("status").asString() + ") in vault " + p.get("vault").asString());
        out.println("Proposed by " + p.get("created_by").asString() + " at " + p.get("created_at").asString()
                + "; expires " + p.get("expires_at").asString());
        if (!p.get("flags").isEmpty()) {
            out.println("Flags: " + String.join(", ", strings(p.get("flags"))));
        }
        out.println("Message: " + p.get("message").asString());
        if (!p.get("services").isEmpty()) {
            out.println("Services to add:");
            for (JsonNode s : p.get("services")) {
                out.println("  " + s.get("name").asString() + "  " + s.get("host").asString() + "  -> "
                        + ServiceCommand.describe(s.get("inject"))
                        + (s.get("methods").isEmpty() ? "" : "  methods " + String.join(",", strings(s.get("methods"))))
                        + (s.get("paths").isEmpty() ? "" : "  paths " + String.join(",", strings(s.get("paths")))));
            }
        }
        for (String m : strings(p.path("proposer_grant").path("messages"))) {
            out.println("Approving " + m);
        }
        if (!p.get("credentials").isEmpty()) {
            out.println("Credentials requested:");
            for (JsonNode c : p.get("credentials")) {
                JsonNode d = c.get("description");
                out.println("  " + c.get("name").asString() + (c.get("exists").asBoolean() ? " (exists)" : " (no value yet)")
                        + (d == null || d.isNull() ? "" : ": " + d.asString()));
            }
        }
        if (p.get("reviewed_by") != null && !p.get("reviewed_by").isNull()) {
            JsonNode reason = p.get("reason");
            out.println("Decided by " + p.get("reviewed_by").asString() + " at " + p.get("reviewed_at").asString()
                    + (reason == null || reason.isNull() ? "" : ": " + reason.asString()));
        }
        out.flush();
    }

    static void printApproved(PrintWriter out, JsonNode r) {
        JsonNode applied = r.get("applied");
        out.println("Approved proposal " + r.get("id").asString() + " in vault " + r.get("vault").asString());
        if (!applied.get("services").isEmpty()) {
            JsonNode grant = applied.path("proposer_grant");
            List<String> cannot = strings(grant.path("token_cannot_use"));
            String who = grant.hasNonNull("agent") ? "; agent " + grant.get("agent").asString() + " was granted "
                    + String.join(", ", strings(grant.get("services"))) + " and can use them now" : "";
            out.println("Added services: " + String.join(", ", strings(applied.get("services"))) + who);
            if (!cannot.isEmpty()) {
                out.println("The proposing token is restricted to its own services and cannot use " + String.join(", ", cannot)
                        + "; a new token can");
            }
            List<String> withheld = strings(grant.path("withheld"));
            if (!withheld.isEmpty()) {
                out.println("Not granted to the proposing agent: " + String.join(", ", withheld) + " (a service of that name exists in"
                        + " another of its vaults); it cannot use " + (withheld.size() == 1 ? "it" : "them")
                        + " until an owner or admin runs 'keyway agent set-services'");
            }
        }
        if (!applied.get("credentials_set").isEmpty()) {
            out.println("Set credentials: " + String.join(", ", strings(applied.get("credentials_set"))));
        }
        for (JsonNode m : applied.get("credentials_missing")) {
            out.println("Credential " + m.asString() + " has no value yet; set it with: keyway credential set " + m.asString()
                    + " --vault " + r.get("vault").asString());
        }
        out.flush();
    }

    static List<String> strings(JsonNode arr) {
        List<String> s = new ArrayList<>();
        arr.forEach(n -> s.add(n.asString()));
        return s;
    }

    private static JsonNode names(JsonNode arr) {
        var out = ApiClient.JSON.createArrayNode();
        arr.forEach(n -> out.add(n.get("name").asString()));
        return out;
    }
}
