package dev.keyway.server.webhook;

import dev.keyway.server.http.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bodies Keyway POSTs to webhooks, as pure functions. {@code json}: a generic event document
 * for any receiver. {@code slack}: a Slack incoming-webhook message ({@code {"text": ...}}) in which
 * agent-written text is escaped so it cannot inject links or mentions. Neither contains credential
 * values; both contain the approval link (its token only grants a read-only view of the proposal).
 */
public final class WebhookPayloads {
    public static final String JSON = "json";
    public static final String SLACK = "slack";
    public static final List<String> FORMATS = List.of(JSON, SLACK);

    private WebhookPayloads() {}

    public static byte[] proposalCreated(String format, ProposalEvent e) {
        return format.equals(SLACK) ? slack(e) : json(e);
    }

    /** A request held for approval (issue 12 §3), with the link to the console's approvals page. */
    public static byte[] approvalRequested(String format, ApprovalEvent e) {
        if (format.equals(SLACK)) {
            String t = "*Keyway approval needed* " + e.id() + " in vault " + escape(e.vault()) + ": " + escape(e.actor())
                    + " wants to send `" + escape(e.method() + " " + e.host() + e.path()) + "` (service "
                    + escape(e.service()) + ")\n<" + e.approvalUrl() + "|Approve or deny " + e.id() + "> (waits until "
                    + e.expiresAt() + ")";
            return Json.write(Map.of("text", t));
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("id", e.id());
        a.put("vault", e.vault());
        a.put("actor", e.actor());
        a.put("service", e.service());
        a.put("method", e.method());
        a.put("host", e.host());
        a.put("path", e.path());
        a.put("expires_at", e.expiresAt().toString());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("event", "approval.requested");
        doc.put("approval", a);
        doc.put("approval_url", e.approvalUrl());
        return Json.write(doc);
    }

    /**
     * The alert for a used decoy credential: {@code json} {@code {"event":"decoy.used","alert":{...}}},
     * or a Slack message. Names, the destination and the token id only; never the decoy's value.
     */
    public static byte[] decoyUsed(String format, DecoyEvent e) {
        if (format.equals(SLACK)) {
            String t = ":rotating_light: *Keyway decoy credential used* " + escape(e.decoy()) + " (vault " + escape(e.vault())
                    + ") by " + escape(e.actor()) + " (token " + escape(e.tokenId()) + ") in the " + e.location()
                    + (e.header() == null ? "" : " (" + escape(e.header()) + ")") + " of " + escape(e.method()) + " "
                    + escape(e.host()) + ":" + e.port() + ". The request was refused"
                    + (e.revoked() ? " and the token revoked." : ".");
            return Json.write(Map.of("text", t));
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("time", e.time().toString());
        a.put("vault", e.vault());
        a.put("decoy", e.decoy());
        a.put("token_id", e.tokenId());
        a.put("actor", e.actor());
        a.put("method", e.method());
        a.put("host", e.host());
        a.put("port", e.port());
        if (e.service() != null) {
            a.put("service", e.service());
        }
        a.put("location", e.location());
        if (e.header() != null) {
            a.put("header", e.header());
        }
        a.put("token_revoked", e.revoked());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("event", "decoy.used");
        doc.put("alert", a);
        return Json.write(doc);
    }

    public static byte[] test(String format) {
        if (format.equals(SLACK)) {
            return Json.write(Map.of("text", "Keyway webhook test: this channel will be told about new proposals."));
        }
        return Json.write(Map.of("event", "webhook.test", "message", "Keyway webhook test"));
    }

    /**
     * An OAuth-minted credential was rejected by its authorization server (issue 12) and needs a
     * human to re-authorize it; {@code detail} names the error and the command, never a token.
     */
    public static byte[] credentialBroken(String format, String vault, String credential, String tokenUrl, String detail) {
        if (format.equals(SLACK)) {
            return Json.write(Map.of("text", ":warning: *Keyway credential broken* " + escape(credential) + " in vault "
                    + escape(vault) + ": the authorization server (" + escape(tokenUrl) + ") rejected it. " + escape(detail)));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("event", "credential.broken");
        doc.put("vault", vault);
        doc.put("credential", credential);
        doc.put("token_url", tokenUrl);
        doc.put("detail", detail);
        return Json.write(doc);
    }

    static byte[] json(ProposalEvent e) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", e.id());
        p.put("vault", e.vault());
        p.put("message", e.message());
        p.put("created_by", e.createdBy());
        p.put("expires_at", e.expiresAt().toString());
        p.put("flags", e.flags());
        p.put("warnings", e.warnings());
        List<Map<String, String>> services = new ArrayList<>();
        for (ProposalEvent.Service s : e.services()) {
            services.add(Map.of("name", s.name(), "host", s.host()));
        }
        p.put("services", services);
        p.put("credentials", e.credentials());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("event", "proposal.created");
        doc.put("proposal", p);
        doc.put("approval_url", e.approvalUrl());
        return Json.write(doc);
    }

    static byte[] slack(ProposalEvent e) {
        StringBuilder t = new StringBuilder();
        for (String w : e.warnings()) {
            t.append(":warning: *WARNING* ").append(escape(w)).append('\n');
        }
        if (!e.flags().isEmpty() && e.warnings().isEmpty()) {
            t.append(":warning: *WARNING* ").append(escape(String.join(", ", e.flags()))).append('\n');
        }
        t.append("*Keyway proposal* ").append(e.id()).append(" in vault ").append(escape(e.vault()))
                .append(" from ").append(escape(e.createdBy())).append('\n');
        t.append("> ").append(escape(e.message()).replace("\n", "\n> ")).append('\n');
        if (!e.services().isEmpty()) {
            List<String> s = e.services().stream().map(x -> x.name() + " (" + x.host() + ")").toList();
            t.append("Services: ").append(escape(String.join(", ", s))).append('\n');
        }
        if (!e.credentials().isEmpty()) {
            t.append("Credentials requested: ").append(escape(String.join(", ", e.credentials()))).append('\n');
        }
        t.append('<').append(e.approvalUrl()).append("|Review proposal ").append(e.id()).append("> (expires ")
                .append(e.expiresAt()).append(')');
        return Json.write(Map.of("text", t.toString()));
    }

    /** Slack's three control characters; escaping them disarms {@code <url|text>}, {@code <!channel>} and the like. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
