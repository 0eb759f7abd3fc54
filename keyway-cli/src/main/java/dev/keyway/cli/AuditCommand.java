package dev.keyway.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway audit tail}: read the audit log (metadata only; never secret values).
 * {@code keyway audit verify}: check its hash chain (the server holds the chain key, so it does the check).
 */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read and verify the audit log.",
        subcommands = {AuditCommand.Tail.class, AuditCommand.Verify.class})
final class AuditCommand {

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check the audit log's hash chain: exit 0 with the number of records checked, or exit 5 naming the "
                    + "first record that was edited, removed, reordered or truncated. A torn last line (a crash while writing) "
                    + "is reported, not treated as tampering. Needs an owner token.",
                    "On a cluster node (PostgreSQL) it checks every node's chain from the cluster-wide audit table, one line "
                    + "per node, and exit 5 names the node and its first broken record; --node picks one node.",
                    "Examples:",
                    "  keyway audit verify",
                    "  keyway audit verify --from 5000",
                    "  keyway audit verify --node web-2      (a cluster: only node web-2's chain)"})
    static final class Verify implements java.util.concurrent.Callable<Integer> {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--from", paramLabel = "SEQ", defaultValue = "1",
                description = "Start at this record (default ${DEFAULT-VALUE}: the whole log); the record before it anchors the chain. "
                        + "On a cluster: each node's own record number.")
        long from;
        @Option(names = "--node", paramLabel = "NAME",
                description = "On a cluster: check only this node's chain (default: every node's).")
        String node;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            if (from < 1) {
                throw new CliException(ExitCodes.USAGE, "--from must be a record number (1 or more)");
            }
            String path = "/v1/audit/verify?from=" + from
                    + (node == null ? "" : "&node=" + java.net.URLEncoder.encode(node, java.nio.charset.StandardCharsets.UTF_8));
            JsonNode r = client.client().get(path);
            var out = spec.commandLine().getOut();
            boolean intact = "intact".equals(r.path("state").asString());
            if (json.enabled()) {
                out.println(r.toString());
            } else if (r.has("nodes")) {
                if (r.path("nodes").isEmpty()) {
                    out.println("cluster audit: no node has shipped records yet");
                }
                for (JsonNode n : r.path("nodes")) {
                    report(out, n, "node " + n.path("node").asString() + ": ");
                }
            } else {
                report(out, r, "");
            }
            out.flush();
            return intact ? ExitCodes.OK : ExitCodes.CONFLICT;
        }

        /** One log's (or one node's) outcome. */
        private static void report(java.io.PrintWriter out, JsonNode r, String prefix) {
            if ("intact".equals(r.path("state").asString())) {
                out.println(prefix + (r.path("checked").asLong() == 0 ? "audit log intact: no records to check"
                        : "audit log intact: " + r.path("checked").asLong() + " records checked (seq " + r.path("first_seq").asLong()
                                + ".." + r.path("last_seq").asLong() + ")"));
            } else {
                JsonNode b = r.path("break");
                out.println(prefix + "audit chain BROKEN at " + b.path("message").asString());
                out.println("  " + r.path("checked").asLong() + " records before it verified");
            }
            notes(r).forEach(out::println);
        }

        private static List<String> notes(JsonNode r) {
            List<String> n = new ArrayList<>();
            if (r.path("anchored").asBoolean(false)) {
                n.add("  note: record " + r.path("first_seq").asLong() + " is the oldest checked and its predecessor is gone "
                        + "(rotated away or before --from); the chain is checked from it on");
            }
            if (r.path("unchained").asLong(0) > 0) {
                n.add("  note: " + r.path("unchained").asLong() + " records were written before chaining was switched on");
            }
            if (r.path("torn_tail_bytes").asLong(0) > 0) {
                n.add("  note: the current file ends in an incomplete line (" + r.path("torn_tail_bytes").asLong()
                        + " bytes): a record torn by a crash (removed at the next start) or being written; not tampering");
            }
            return n;
        }
    }

    @Command(name = "tail", mixinStandardHelpOptions = true,
            description = "Print the most recent audit records, oldest first; --follow keeps printing new ones; --json prints one JSON object per line.")
    static final class Tail implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--vault", paramLabel = "VAULT", description = "Only this vault's records (default: all).") String vault;
        @Option(names = {"-n", "--limit"}, defaultValue = "20", paramLabel = "N", description = "How many records (default ${DEFAULT-VALUE}, max 1000).") int limit;
        @Option(names = {"-f", "--follow"}, description = "Keep polling for new records until interrupted.") boolean follow;
        @Option(names = {"--type", "--kind"}, paramLabel = "TYPE", description = "Only records of this type (request, connect, denied, decision, control).") String kind;
        @Option(names = "--actor", paramLabel = "ACTOR", description = "Only records of this actor (e.g. local-admin, agent:claude).") String actor;
        @Option(names = "--action", paramLabel = "ACTION", description = "Only control-plane records of this action (e.g. credential.reveal, user.disable, token.revoke).") String action;
        @Mixin JsonOption json;

        @Override
        public void run() {
            ApiClient api = client.client();
            String base = vault == null ? "/v1/audit" : "/v1/vaults/" + Paths.seg(vault) + "/audit";
            String filter = (kind == null ? "" : "&type=" + Paths.seg(kind)) + (actor == null ? "" : "&actor=" + Paths.seg(actor))
                    + (action == null ? "" : "&action=" + Paths.seg(action));
            JsonNode r = api.get(base + "?limit=" + limit + filter);
            long last = print(r.get("records"));
            while (follow) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                JsonNode more = api.get(base + "?limit=1000&after=" + last + filter);
                last = Math.max(last, print(more.get("records")));
            }
        }

        private long print(JsonNode records) {
            long last = 0;
            var out = spec.commandLine().getOut();
            for (JsonNode rec : records) {
                last = Math.max(last, rec.path("seq").asLong());
                out.println(json.enabled() ? rec.toString() : line(rec));
            }
            out.flush();
            return last;
        }

        static String line(JsonNode r) {
            List<String> parts = new ArrayList<>();
            parts.add(r.path("ts").asString());
            parts.add(r.path("type").asString());
            if (r.has("node")) {
                parts.add("node=" + r.path("node").asString());
            }
            if (r.has("vault")) {
                parts.add("vault=" + r.path("vault").asString());
            }
            if (r.has("actor")) {
                parts.add("actor=" + r.path("actor").asString());
            }
            if (r.has("action")) {
                parts.add(r.path("action").asString());
            }
            if (r.has("method")) {
                parts.add(r.path("method").asString() + " " + r.path("host").asString() + ":" + r.path("port").asInt() + r.path("path").asString(""));
            } else if (r.has("host") && r.has("port")) {
                parts.add(r.path("host").asString() + ":" + r.path("port").asInt());
            }
            if (r.has("host") && !r.has("port")) {
                parts.add("host=" + r.path("host").asString());
            }
            if (r.has("service")) {
                parts.add("service=" + r.path("service").asString());
            }
            if (r.path("injected").asBoolean(false)) {
                parts.add("injected=" + r.path("credentials").toString());
            }
            if (r.path("status").asInt(0) != 0) {
                parts.add("status=" + r.path("status").asInt());
            }
            if (r.has("error_type")) {
                parts.add("error=" + r.path("error_type").asString());
            }
            if (r.has("duration_ms")) {
                parts.add(r.path("duration_ms").asLong() + "ms");
            }
            return String.join("  ", parts);
        }
    }
}
