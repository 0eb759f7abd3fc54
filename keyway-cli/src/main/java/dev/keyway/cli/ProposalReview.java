package dev.keyway.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The interactive loop behind {@code keyway proposal review}: shows each pending proposal (WARNING
 * lines first) and asks what to do. Separate from the command so it can be driven by a scripted
 * {@link Prompter}.
 */
final class ProposalReview {
    private ProposalReview() {}

    static void run(ApiClient api, @Nullable String vault, Prompter in, PrintWriter out) {
        JsonNode pending = api.get("/v1/proposals" + ProposalCommand.query(vault, "pending")).get("proposals");
        if (pending.isEmpty()) {
            out.println("No pending proposals" + (vault == null ? "." : " in vault " + vault + "."));
            out.flush();
            return;
        }
        int approved = 0;
        int rejected = 0;
        int skipped = 0;
        int i = 0;
        for (JsonNode p : pending) {
            i++;
            out.println();
            out.println("[" + i + "/" + pending.size() + "]");
            ProposalCommand.print(out, p);
            String id = p.get("id").asString();
            Decision d = ask(in, out);
            try {
                switch (d) {
                    case APPROVE -> {
                        ProposalCommand.printApproved(out, ProposalCommand.approve(api, p, new LinkedHashMap<>(), in));
                        approved++;
                    }
                    case REJECT -> {
                        String reason = in.line("Reason (shown to the proposer, optional): ");
                        Map<String, Object> body = new LinkedHashMap<>();
                        if (reason != null && !reason.isBlank()) {
                            body.put("reason", reason.strip());
                        }
                        api.post(ProposalCommand.path(id) + "/reject", body);
                        out.println("Rejected proposal " + id);
                        rejected++;
                    }
                    case SKIP -> skipped++;
                    case QUIT -> {
                        summary(out, approved, rejected, skipped);
                        return;
                    }
                }
            } catch (CliException e) {
                out.println("Could not decide " + id + ": " + e.getMessage());
                skipped++;
            }
        }
        summary(out, approved, rejected, skipped);
    }

    enum Decision { APPROVE, REJECT, SKIP, QUIT }

    private static Decision ask(Prompter in, PrintWriter out) {
        while (true) {
            String a = in.line("[a]pprove, [r]eject, [s]kip, [q]uit? ");
            if (a == null) {
                return Decision.QUIT;
            }
            switch (a.strip().toLowerCase(Locale.ROOT)) {
                case "a", "approve" -> {
                    return Decision.APPROVE;
                }
                case "r", "reject" -> {
                    return Decision.REJECT;
                }
                case "s", "skip", "" -> {
                    return Decision.SKIP;
                }
                case "q", "quit" -> {
                    return Decision.QUIT;
                }
                default -> {
                    out.println("Please answer a, r, s or q.");
                    out.flush();
                }
            }
        }
    }

    private static void summary(PrintWriter out, int approved, int rejected, int skipped) {
        out.println();
        out.println("Approved " + approved + ", rejected " + rejected + ", skipped " + skipped + ".");
        out.flush();
    }
}
