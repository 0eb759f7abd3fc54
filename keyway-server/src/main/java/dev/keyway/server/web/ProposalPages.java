package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Injection;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.Json;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Proposals: the list (pending, approved, rejected, expired), the review page (what would change,
 * with "existing credential routed to a new host" highlighted; write-only inputs for requested
 * credential values; approve, or reject with a reason), and the page behind an approval link.
 */
final class ProposalPages {
    static final String NEW_HOST_FLAG = "existing-credential-new-host";
    static final String FIELD_PREFIX = "cred.";
    private static final List<String> STATUSES = List.of("pending", "approved", "rejected", "expired", "all");

    private final Guard guard;

    ProposalPages(Guard guard) {
        this.guard = guard;
    }

    void routes(Router r) {
        r.get("/proposals", RouteAccess.CONSOLE, guard.signedIn(this::list));
        r.get("/proposals/{id}", RouteAccess.CONSOLE, guard.signedIn(ctx -> review(ctx, Fields.Errors.NONE, 200)));
        r.post("/proposals/{id}/approve", RouteAccess.CONSOLE, guard.signedIn(this::approve));
        r.post("/proposals/{id}/reject", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            try {
                ctx.api().post(Urls.path("v1", "proposals", ctx.param("id"), "reject"), Map.of("reason", ctx.form().get("reason").strip()));
            } catch (KeywayException e) {
                return review(ctx, Ctx.errors(e, f -> "reason"), e.type().status());
            }
            return Ctx.redirect(Urls.path("proposals", ctx.param("id")), "proposal-rejected");
        }));
        r.get("/approve/{id}", RouteAccess.PUBLIC, req -> Layout.respond(200, Layout.bare("Proposal", Html.t("""
                <h1>Proposal <code>{}</code></h1>
                <div id="proposal" data-id="{}"><p>Loading…</p></div>
                <noscript><p class="notice warn">This page needs JavaScript to read the link's token.
                Sign in and open <a href="{}">the proposal</a> instead.</p></noscript>
                <script src="/assets/approve.js" defer></script>
                """, req.param("id"), req.param("id"), Urls.path("proposals", req.param("id"))), null, true)));
    }

    private ApiResponse list(Ctx ctx) {
        String status = ctx.query("status") == null ? "pending" : ctx.query("status");
        String vault = ctx.query("vault");
        Map<String, @Nullable String> q = new LinkedHashMap<>();
        q.put("status", status.equals("all") ? null : status);
        q.put("vault", vault);
        q.put("limit", "200");
        List<JsonNode> items = Nodes.list(ctx.api().get(Urls.withQuery("/v1/proposals", q)).path("proposals"));
        Html tabs = Html.each(STATUSES, s -> {
            Map<String, @Nullable String> tq = new LinkedHashMap<>();
            tq.put("status", s);
            tq.put("vault", vault);
            return Html.t("<a href=\"{}\"{}>{}</a>", Urls.withQuery("/proposals", tq), Layout.current(s.equals(status)), s);
        });
        Html rows = Html.each(items, p -> Html.t("""
                <tr data-proposal="{}"><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>
                """, Nodes.str(p, "id"), Urls.path("proposals", Nodes.str(p, "id")), Nodes.time(Nodes.str(p, "created_at")),
                Nodes.str(p, "vault"), Nodes.str(p, "created_by"), summary(p), flags(p), badge(Nodes.str(p, "status")),
                Nodes.str(p, "reviewed_by")));
        Html body = Html.t("""
                <h1>Proposals{}</h1>
                <p class="hint">Agents propose services and credentials they need; a member of the vault approves or rejects.</p>
                <nav class="tabs">{}</nav>
                {}
                """, vault == null ? Html.empty() : Html.t(" <span class=\"badge\">vault {}</span>", vault), tabs,
                items.isEmpty() ? Html.t("<p class=\"empty\">No {} proposals.</p>", status.equals("all") ? "" : status) : Html.t("""
                        <table class="list" id="proposals"><thead><tr><th>Created</th><th>Vault</th><th>Proposed by</th><th>Asks for</th>
                        <th>Flags</th><th>Status</th><th>Reviewed by</th></tr></thead><tbody>{}</tbody></table>""", rows));
        return ctx.page("Proposals", "proposals", body);
    }

    private static Html summary(JsonNode p) {
        List<String> parts = new java.util.ArrayList<>();
        Nodes.list(p.path("services")).forEach(s -> parts.add(Nodes.str(s, "name") + " → " + Nodes.str(s, "host")));
        Nodes.list(p.path("credentials")).forEach(c -> parts.add("credential " + Nodes.str(c, "name")));
        return Html.text(String.join("; ", parts));
    }

    private static Html flags(JsonNode p) {
        return Html.each(Nodes.strings(p.path("flags")), f -> Html.t("<span class=\"badge {}\">{}</span> ",
                f.equals(NEW_HOST_FLAG) ? "bad" : "warn", f));
    }

    private static Html badge(String status) {
        String cls = switch (status) {
            case "approved" -> "good";
            case "rejected", "expired" -> "bad";
            default -> "warn";
        };
        return Html.t("<span class=\"badge {}\">{}</span>", cls, status);
    }

    private ApiResponse review(Ctx ctx, Fields.Errors errors, int status) {
        String id = ctx.param("id");
        JsonNode p = ctx.api().get(Urls.path("v1", "proposals", id));
        String vault = Nodes.str(p, "vault");
        Map<String, ServiceDefinition> current = new LinkedHashMap<>();
        Set<String> existingCredentials = new TreeSet<>();
        try {
            ServicePages.definitions(ctx.api().get(Urls.path("v1", "vaults", vault, "services"))).forEach(d -> current.put(d.name(), d));
            Nodes.list(ctx.api().get(Urls.path("v1", "vaults", vault, "credentials")).path("credentials"))
                    .forEach(c -> existingCredentials.add(Nodes.str(c, "name")));
        } catch (KeywayException e) {
            // not a member of the vault: the page still shows the proposal, approving will be refused by the API
        }
        boolean pending = Nodes.str(p, "status").equals("pending");
        Html warnings = warnings(p);
        Set<String> involved = new LinkedHashSet<>();
        Map<String, String> descriptions = new LinkedHashMap<>();
        Nodes.list(p.path("credentials")).forEach(c -> {
            involved.add(Nodes.str(c, "name"));
            descriptions.put(Nodes.str(c, "name"), Nodes.str(c, "description"));
        });
        Html services = Html.each(Nodes.list(p.path("services")), s -> {
            String inject = ServicePages.injection(s.get("inject"));
            credentialNames(s.get("inject")).forEach(involved::add);
            ServiceDefinition before = current.get(Nodes.str(s, "name"));
            Html change = before == null ? Html.t("<span class=\"badge good\">new service</span>")
                    : Html.t("<span class=\"badge warn\">replaces</span> <span class=\"sub\">today: {} · {}</span>", before.host(),
                            ServicePages.injection(Json.MAPPER.valueToTree(before.injection().toJson())));
            return Html.t("<tr><td><code>{}</code> {}</td><td><code>{}</code></td><td>{}</td><td><pre class=\"paths\">{}</pre></td><td>{}</td></tr>",
                    Nodes.str(s, "name"), change, Nodes.str(s, "host"), listOrAny(s.path("methods"), " "), listOrAny(s.path("paths"), "\n"),
                    inject);
        });
        Html credentialInputs = Html.each(List.copyOf(involved), name -> {
            boolean exists = existingCredentials.contains(name);
            String d = descriptions.getOrDefault(name, "");
            return Fields.secret(name + (exists ? " (already set; leave empty to keep)" : " (needs a value)"), FIELD_PREFIX + name, errors,
                    d.isEmpty() ? null : d, false);
        });
        Html decide = !pending ? Html.t("<dl class=\"facts\"><dt>Decided by</dt><dd>{}</dd><dt>At</dt><dd>{}</dd><dt>Reason</dt><dd>{}</dd></dl>",
                Nodes.str(p, "reviewed_by"), Nodes.time(Nodes.str(p, "reviewed_at")), Nodes.str(p, "reason")) : Html.t("""
                <div class="columns">
                <section class="card" id="approve"><h2>Approve</h2>
                <form method="post" action="{}" autocomplete="off">{}{}{}
                <p class="hint">Values are write-only: they are encrypted into the vault and never shown again.</p>
                <button type="submit" class="primary">Approve and apply</button></form></section>
                <section class="card" id="reject"><h2>Reject</h2>
                <form method="post" action="{}">{}{}
                <button type="submit" class="danger">Reject</button></form></section>
                </div>""", Urls.path("proposals", id, "approve"), ctx.csrf(), Fields.formError(errors),
                involved.isEmpty() ? Html.t("<p>No credential values are requested.</p>") : credentialInputs,
                Urls.path("proposals", id, "reject"), ctx.csrf(),
                Fields.textarea("Reason (sent back to the agent)", "reason", "", errors, null, 3));
        Html body = Html.t("""
                <p class="crumbs"><a href="/proposals">Proposals</a> /</p>
                <h1>Proposal <code>{}</code> {}</h1>
                {}
                <dl class="facts"><dt>Vault</dt><dd><a href="{}">{}</a></dd><dt>Proposed by</dt><dd>{}</dd><dt>Created</dt><dd>{}</dd>
                <dt>Expires</dt><dd>{}</dd></dl>
                <h2>Why the agent asks</h2><blockquote>{}</blockquote>
                <h2>What changes</h2>
                {}
                {}
                {}
                """, id, badge(Nodes.str(p, "status")), warnings, Urls.path("vaults", vault, "services"), vault, Nodes.str(p, "created_by"),
                Nodes.time(Nodes.str(p, "created_at")), Nodes.time(Nodes.str(p, "expires_at")), Nodes.str(p, "message"),
                Nodes.list(p.path("services")).isEmpty() ? Html.t("<p>No service changes; only credential values.</p>") : Html.t("""
                        <table class="list" id="proposed-services"><thead><tr><th>Service</th><th>Host</th><th>Methods</th><th>Paths</th>
                        <th>Injection</th></tr></thead><tbody>{}</tbody></table>""", services), grant(p), decide);
        return ctx.page(status, "Proposal " + id, "proposals", body);
    }

    /**
     * What approval also does for the proposer's access (a restricted agent gains the new services;
     * a token restricted by itself will not reach them), so the reviewer decides knowing it.
     */
    static Html grant(JsonNode p) {
        List<String> messages = Nodes.strings(p.path("proposer_grant").path("messages"));
        if (messages.isEmpty()) {
            return Html.empty();
        }
        return Html.t("<div class=\"notice\" id=\"proposer-grant\"><p>Approving {}</p></div>",
                String.join("; ", messages) + ".");
    }

    /**
     * The proposal's warnings; those about an existing credential going to a new host are the loud
     * red kind (a flag with no sentence still gets a box).
     */
    static Html warnings(JsonNode p) {
        boolean newHost = Nodes.strings(p.path("flags")).contains(NEW_HOST_FLAG);
        List<String> texts = Nodes.strings(p.path("warnings"));
        List<Html> out = new java.util.ArrayList<>();
        for (String w : texts) {
            boolean loud = newHost && w.contains("existing credential");
            out.add(Html.t("<div class=\"{}\" role=\"alert\">{}{}</div>", loud ? "flag-new-host" : "notice warn",
                    loud ? "⚠ Existing credential routed to a new host: " : "⚠ ", w));
        }
        if (newHost && texts.stream().noneMatch(w -> w.contains("existing credential"))) {
            out.add(Html.t("<div class=\"flag-new-host\" role=\"alert\">⚠ Existing credential routed to a new host.</div>"));
        }
        return Html.join(out);
    }

    private static String listOrAny(JsonNode arr, String sep) {
        List<String> l = Nodes.strings(arr);
        return l.isEmpty() ? "any" : String.join(sep, l);
    }

    private static Set<String> credentialNames(@Nullable JsonNode inject) {
        try {
            return Injection.fromJson(Json.MAPPER.treeToValue(inject, Object.class)).credentialNames();
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    private ApiResponse approve(Ctx ctx) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String field : ctx.form().names()) {
            if (field.startsWith(FIELD_PREFIX) && !ctx.form().get(field).isEmpty()) {
                values.put(field.substring(FIELD_PREFIX.length()), ctx.form().get(field));
            }
        }
        try {
            ctx.api().post(Urls.path("v1", "proposals", ctx.param("id"), "approve"), Map.of("credentials", values));
        } catch (KeywayException e) {
            return review(ctx, Fields.Errors.of("", e.detail()), e.type().status());
        }
        return Ctx.redirect(Urls.path("proposals", ctx.param("id")), "proposal-approved");
    }
}
