package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.server.VaultService;
import dev.keyway.server.api.AuditTrail;
import dev.keyway.server.auth.Access;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.Store;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Instance settings, for the owner only: webhook notification targets (with a "send test" button),
 * the default policy for new vaults, and users.
 */
final class SettingsPages {
    private final Guard guard;
    private final Store store;
    private final AuditTrail trail;

    SettingsPages(Guard guard, Store store, AuditTrail trail) {
        this.guard = guard;
        this.store = store;
        this.trail = trail;
    }

    /** What a failed form re-renders with. */
    record State(String form, Form values, Fields.Errors errors) {
        static final State FRESH = new State("", Form.empty(), Fields.Errors.NONE);

        Fields.Errors errorsOf(String which) {
            return form.equals(which) ? errors : Fields.Errors.NONE;
        }

        Form valuesOf(String which) {
            return form.equals(which) ? values : Form.empty();
        }
    }

    void routes(Router r) {
        r.get("/settings", RouteAccess.CONSOLE, guard.signedIn(ctx -> page(ctx, State.FRESH, 200)));
        r.post("/settings/defaults", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            Access.requireOwner(ctx.session().principal());
            String policy = ctx.form().get("unmatched");
            if (!VaultService.POLICIES.contains(policy)) {
                return page(ctx, new State("defaults", ctx.form(), Fields.Errors.of("unmatched", "Choose tunnel, intercept or deny.")), 422);
            }
            store.putMeta(VaultService.META_DEFAULT_UNMATCHED, policy);
            trail.record(ctx.session().principal(), "settings.default_unmatched", "", Map.of("unmatched", policy));
            return Ctx.redirect("/settings", "defaults-saved");
        }));
        r.post("/settings/webhooks", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("url", ctx.form().get("url").strip());
            body.put("format", ctx.form().get("format"));
            try {
                ctx.api().post("/v1/webhooks", body);
            } catch (KeywayException e) {
                return page(ctx, new State("webhooks", ctx.form(), Ctx.errors(e, x -> x)), e.type().status());
            }
            return Ctx.redirect("/settings", "webhook-added");
        }));
        r.post("/settings/webhooks/{id}/test", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            JsonNode out = ctx.api().post(Urls.path("v1", "webhooks", ctx.param("id"), "test"), null);
            if (out.path("delivered").asBoolean()) {
                return Ctx.redirect("/settings", "webhook-tested");
            }
            String why = Nodes.str(out, "error").isEmpty() ? "HTTP " + Nodes.str(out, "status") : Nodes.str(out, "error");
            return page(ctx, new State("webhook-test", Form.empty(), Fields.Errors.of("", "The test notification failed: " + why)), 502);
        }));
        r.post("/settings/webhooks/{id}/delete", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            ctx.api().delete(Urls.path("v1", "webhooks", ctx.param("id")));
            return Ctx.redirect("/settings", "webhook-deleted");
        }));
        r.post("/settings/users", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            Form f = ctx.form();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("email", f.get("email").strip());
            body.put("password", f.get("password"));
            body.put("role", f.get("role"));
            try {
                ctx.api().post("/v1/users", body);
            } catch (KeywayException e) {
                return page(ctx, new State("users", f, Ctx.errors(e, x -> x)), e.type().status());
            }
            return Ctx.redirect("/settings", null);
        }));
        for (boolean disable : new boolean[] {true, false}) {
            String verb = disable ? "disable" : "enable";
            r.post("/settings/users/{email}/" + verb, RouteAccess.CONSOLE, guard.signedIn(ctx -> {
                try {
                    ctx.api().post(Urls.path("v1", "users", ctx.param("email"), verb), null);
                } catch (KeywayException e) {
                    return page(ctx, new State("user-state", Form.empty(), Fields.Errors.of("", e.detail())), e.type().status());
                }
                return Ctx.redirect("/settings", "user-" + verb + "d");
            }));
        }
    }

    ApiResponse page(Ctx ctx, State st, int status) {
        Access.requireOwner(ctx.session().principal());
        String current = store.meta(VaultService.META_DEFAULT_UNMATCHED).orElse("tunnel");
        Fields.Errors de = st.errorsOf("defaults");
        JsonNode users = ctx.api().get("/v1/users");
        Html userRows = Html.each(Nodes.list(users.path("users")), u -> {
            boolean disabled = u.path("disabled").asBoolean();
            String email = Nodes.str(u, "email");
            String action = Urls.path("settings", "users", email, disabled ? "enable" : "disable");
            Html button = disabled
                    ? Html.t("<form method=\"post\" action=\"{}\" class=\"inline\">{}<button class=\"link\">Enable</button></form>",
                            action, ctx.csrf())
                    : Html.t("<form method=\"post\" action=\"{}\" class=\"inline\" data-confirm=\"Disable {}? Their sessions "
                            + "and tokens are revoked at once.\">{}<button class=\"link danger\">Disable</button></form>",
                            action, email, ctx.csrf());
            return Html.t("<tr data-user=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"actions\">{}</td></tr>",
                    email, email, Nodes.str(u, "role"), Nodes.time(Nodes.str(u, "created_at")), disabled ? "disabled" : "active",
                    button);
        });
        Form uf = st.valuesOf("users");
        Fields.Errors ue = st.errorsOf("users");
        Html body = Html.t("""
                <h1>Settings</h1>
                {}{}
                <div class="columns">{}
                <section class="card" id="defaults"><h2>Default policies</h2>
                <form method="post" action="/settings/defaults">{}{}
                <button type="submit">Save defaults</button></form></section></div>
                <h2>Users</h2>{}
                <table class="list"><thead><tr><th>E-mail</th><th>Role</th><th>Created</th><th>State</th><th></th></tr></thead><tbody>{}</tbody></table>
                <section class="card narrow-card" id="new-user"><h2>Add a user</h2>
                <form method="post" action="/settings/users">{}{}{}{}{}
                <button type="submit">Add user</button></form>
                <p class="hint">Give the user a role on vaults with <code>keyway vault member add</code>.</p></section>
                {}
                """, Fields.formError(st.errorsOf("webhook-test")), webhooks(ctx), webhookForm(ctx, st), ctx.csrf(),
                Fields.select("Unmatched hosts in new vaults", "unmatched", VaultPages.POLICIES, current, de,
                        "Applies to vaults created from now on (console, CLI or API) that name no policy; each vault can change it "
                                + "on its Services tab."),
                Fields.formError(st.errorsOf("user-state")), userRows, ctx.csrf(), Fields.formError(ue),
                Fields.input("E-mail", "email", "email", uf.get("email"), ue, null, Html.empty()),
                Fields.secret("Initial password", "password", ue, "At least 12 characters; tell the user to change it.", true),
                Fields.select("Instance role", "role", List.of(new String[] {"member", "member"}, new String[] {"owner", "owner"}),
                        uf.get("role"), ue, null), sources(ctx));
        return ctx.page(status, "Settings", "settings", body);
    }

    /**
     * Credential sources (issue 10), read-only: type, health and the linked credentials using each.
     * Their authentication secrets are never shown (the API returns only their names).
     */
    private Html sources(Ctx ctx) {
        List<JsonNode> list = Nodes.list(ctx.api().get("/v1/sources").path("sources"));
        Html rows = Html.each(list, s -> {
            String health = !Nodes.str(s, "last_error").isEmpty()
                    && (Nodes.str(s, "last_success").isEmpty()
                            || Nodes.str(s, "last_error_at").compareTo(Nodes.str(s, "last_success")) > 0)
                    ? "failing: " + Nodes.str(s, "last_error")
                    : Nodes.str(s, "last_success").isEmpty() ? "not used yet" : "ok";
            List<String> users = new java.util.ArrayList<>();
            for (JsonNode u : Nodes.list(s.path("used_by"))) {
                users.add(u.asString());
            }
            return Html.t("<tr data-source=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    Nodes.str(s, "name"), Nodes.str(s, "name"), Nodes.str(s, "type"), health, String.join(", ", users));
        });
        return Html.t("""
                <h2>Credential sources</h2>
                <p class="hint">External secret stores that linked credentials are fetched from (never stored here). Add one with
                <code>keyway source add</code>, link a credential with <code>keyway credential link</code> (docs/sources.md).</p>
                {}""", list.isEmpty() ? Html.t("<p class=\"empty\">No sources.</p>") : Html.t("""
                        <table class="list" id="sources"><thead><tr><th>Name</th><th>Type</th><th>Health</th><th>Used by</th>
                        </tr></thead><tbody>{}</tbody></table>""", rows));
    }

    /** Webhook targets: where new proposals are announced (URLs are shown redacted: they may embed a secret). */
    private Html webhooks(Ctx ctx) {
        List<JsonNode> hooks = Nodes.list(ctx.api().get("/v1/webhooks").path("webhooks"));
        Html rows = Html.each(hooks, w -> {
            String base = Urls.path("settings", "webhooks", Nodes.str(w, "id"));
            String health = Nodes.str(w, "last_error").isEmpty()
                    ? (Nodes.str(w, "last_attempt_at").isEmpty() ? "not used yet" : "ok")
                    : Nodes.str(w, "failures") + " failure(s): " + Nodes.str(w, "last_error");
            return Html.t("""
                    <tr data-webhook="{}"><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class="actions">
                    <form method="post" action="{}/test" class="inline">{}<button class="link">Send test</button></form>
                    <form method="post" action="{}/delete" class="inline" data-confirm="Remove this webhook?">{}
                    <button class="link danger">Remove</button></form></td></tr>""",
                    Nodes.str(w, "id"), Nodes.str(w, "url"), Nodes.str(w, "format"), Nodes.str(w, "created_by"), health,
                    base, ctx.csrf(), base, ctx.csrf());
        });
        return Html.t("""
                <h2>Webhooks</h2>
                <p class="hint">Keyway posts each new proposal (with its approval link) to these URLs.</p>
                {}""", hooks.isEmpty() ? Html.t("<p class=\"empty\">No webhooks.</p>") : Html.t("""
                        <table class="list" id="webhooks"><thead><tr><th>URL</th><th>Format</th><th>Added by</th><th>Delivery</th><th></th>
                        </tr></thead><tbody>{}</tbody></table>""", rows));
    }

    private Html webhookForm(Ctx ctx, State st) {
        Form f = st.valuesOf("webhooks");
        Fields.Errors e = st.errorsOf("webhooks");
        return Html.t("""
                <section class="card" id="new-webhook"><h2>Add a webhook</h2>
                <form method="post" action="/settings/webhooks">{}{}{}{}
                <button type="submit">Add webhook</button></form></section>
                """, ctx.csrf(), Fields.formError(e),
                Fields.input("URL", "url", "url", f.get("url"), e, "An http:// or https:// URL, e.g. a Slack incoming webhook.", Html.empty()),
                Fields.select("Format", "format", List.of(new String[] {"json", "JSON"}, new String[] {"slack", "Slack incoming webhook"}),
                        f.get("format"), e, null));
    }
}
