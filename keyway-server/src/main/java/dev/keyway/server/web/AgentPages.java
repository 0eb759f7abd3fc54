package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * A vault's Agents &amp; tokens tab: agents with a role on the vault (grants, service subsets,
 * rotate/revoke/delete), scoped tokens bound to the vault (label, creator, last use, revoke), and
 * creating either. A new token is shown exactly once, inside a "connect your agent" snippet.
 */
final class AgentPages {
    /**
     * Lifetimes of scoped tokens made here. Such a token is minted by the browser's session, so it
     * cannot outlive it (sessions last 12 h) and ends when the session is signed out.
     */
    static final List<String[]> SCOPED_TTLS = List.of(
            new String[] {"15m", "15 minutes"}, new String[] {"1h", "1 hour"}, new String[] {"4h", "4 hours"},
            new String[] {"8h", "8 hours"});
    static final List<String[]> TTLS = List.of(
            new String[] {"15m", "15 minutes"}, new String[] {"1h", "1 hour"}, new String[] {"8h", "8 hours"},
            new String[] {"24h", "1 day"}, new String[] {"168h", "7 days"}, new String[] {"720h", "30 days"});

    private final Guard guard;

    AgentPages(Guard guard) {
        this.guard = guard;
    }

    void routes(Router r) {
        String base = "/vaults/{vault}";
        r.get(base + "/agents", RouteAccess.CONSOLE, guard.signedIn(ctx -> list(ctx, Form.empty(), Fields.Errors.NONE, Form.empty(), Fields.Errors.NONE, 200)));
        r.post(base + "/agents", RouteAccess.CONSOLE, guard.signedIn(this::createAgent));
        r.post(base + "/agents/{agent}/rotate", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            JsonNode out = ctx.api().post(Urls.path("v1", "agents", ctx.param("agent"), "rotate"), null);
            return shown(ctx, "New token for agent " + ctx.param("agent"), "The old token stopped working.", out.get("token").asString());
        }));
        r.post(base + "/agents/{agent}/services", RouteAccess.CONSOLE, guard.signedIn(this::setServices));
        r.post(base + "/agents/{agent}/revoke", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            ctx.api().post(Urls.path("v1", "agents", ctx.param("agent"), "revoke"), null);
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "agents"), "agent-revoked");
        }));
        r.post(base + "/agents/{agent}/delete", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            ctx.api().delete(Urls.path("v1", "agents", ctx.param("agent")));
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "agents"), "agent-deleted");
        }));
        r.post(base + "/tokens", RouteAccess.CONSOLE, guard.signedIn(this::createToken));
        r.post(base + "/tokens/{id}/revoke", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            ctx.api().delete(Urls.path("v1", "tokens", ctx.param("id")));
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "agents"), "token-revoked");
        }));
    }

    private ApiResponse list(Ctx ctx, Form agentForm, Fields.Errors agentErrors, Form tokenForm, Fields.Errors tokenErrors, int status) {
        String vault = ctx.param("vault");
        JsonNode v = ctx.api().get(Urls.path("v1", "vaults", vault));
        List<String> services = ServicePages.definitions(ctx.api().get(Urls.path("v1", "vaults", vault, "services"))).stream()
                .map(d -> d.name()).toList();
        List<JsonNode> agents = Nodes.list(ctx.api().get("/v1/agents").path("agents")).stream()
                .filter(a -> Nodes.list(a.path("vaults")).stream().anyMatch(g -> Nodes.str(g, "vault").equals(vault))).toList();
        List<JsonNode> tokens = Nodes.list(ctx.api().get(Urls.withQuery("/v1/tokens", "vault", vault)).path("tokens")).stream()
                .filter(t -> Nodes.str(t, "type").equals("scoped") && !t.path("revoked").asBoolean()).toList();
        Html agentRows = Html.each(agents, a -> agentRow(ctx, a, services));
        Html tokenRows = Html.each(tokens, t -> Html.t("""
                <tr data-token="{}"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>
                <td><form method="post" action="{}" class="inline" data-confirm="Revoke this token?">{}<button class="link danger">Revoke</button>
                </form></td></tr>""", Nodes.str(t, "accessor"), Nodes.str(t, "display_name"), Nodes.str(t, "accessor"), Nodes.str(t, "created_by"),
                Nodes.time(Nodes.str(t, "created_at")), Nodes.str(t, "expires_at").isEmpty() ? "never" : Nodes.time(Nodes.str(t, "expires_at")),
                Nodes.str(t, "last_used_at").isEmpty() ? "never" : Nodes.time(Nodes.str(t, "last_used_at")),
                t.path("services").isArray() ? String.join(", ", Nodes.strings(t.get("services"))) : "all",
                Urls.path("vaults", vault, "tokens", Nodes.str(t, "id"), "revoke"), ctx.csrf()));
        Html body = Html.t("""
                {}
                <h2>Agents</h2>
                {}
                <h2>Scoped tokens</h2>
                <p class="hint">Short-lived proxy tokens bound to this vault, e.g. for one sandbox. A token made here belongs to
                your browser session: it ends when you sign out. For a long-lived identity, create an agent.</p>
                {}
                <div class="columns">
                <section class="card" id="new-agent"><h2>New agent</h2>
                <form method="post" action="{}">{}{}{}{}{}{}
                <button type="submit" class="primary">Create agent</button></form></section>
                <section class="card" id="new-token"><h2>New scoped token</h2>
                <form method="post" action="{}">{}{}{}{}{}
                <button type="submit" class="primary">Create token</button></form></section>
                </div>
                """, Layout.vaultHeader(vault, "agents", Nodes.str(v, "unmatched")),
                agents.isEmpty() ? Html.t("<p class=\"empty\">No agent has a role on this vault yet.</p>") : Html.t("""
                        <table class="list"><thead><tr><th>Agent</th><th>Role here</th><th>Other vaults</th><th>Services</th>
                        <th>Token expires</th><th>Created</th><th></th></tr></thead><tbody>{}</tbody></table>""", agentRows),
                tokens.isEmpty() ? Html.t("<p class=\"empty\">No active scoped tokens.</p>") : Html.t("""
                        <table class="list"><thead><tr><th>Label</th><th>Accessor</th><th>Created by</th><th>Created</th><th>Expires</th>
                        <th>Last use</th><th>Services</th><th></th></tr></thead><tbody>{}</tbody></table>""", tokenRows),
                Urls.path("vaults", vault, "agents"), ctx.csrf(), Fields.formError(agentErrors),
                Fields.input("Name", "name", agentForm.get("name"), agentErrors, "e.g. claude-laptop"),
                Fields.select("Role on " + vault, "role", List.of(new String[] {"proxy", "proxy — use the proxy, propose changes"},
                        new String[] {"member", "member — also manage credentials and services"}), agentForm.get("role"), agentErrors, null),
                serviceChoice(services, agentForm, agentErrors),
                Fields.select("Token lifetime", "ttl", withNever(), agentForm.get("ttl"), agentErrors, "Rotate or revoke it any time."),
                Urls.path("vaults", vault, "tokens"), ctx.csrf(), Fields.formError(tokenErrors),
                Fields.input("Label", "display_name", tokenForm.get("display_name"), tokenErrors, "e.g. ci-nightly"),
                Fields.select("Lifetime", "ttl", SCOPED_TTLS, tokenForm.has("ttl") ? tokenForm.get("ttl") : "1h", tokenErrors, null),
                serviceChoice(services, tokenForm, tokenErrors));
        return ctx.page(status, vault + " · Agents & tokens", "vaults", body);
    }

    private static List<String[]> withNever() {
        List<String[]> l = new ArrayList<>();
        l.add(new String[] {"", "no expiry"});
        l.addAll(TTLS);
        return l;
    }

    private static Html serviceChoice(List<String> services, Form f, Fields.Errors e) {
        if (services.isEmpty()) {
            return Html.empty();
        }
        Html chips = Html.each(services, s -> Html.t("<label class=\"chip\"><input type=\"checkbox\" name=\"services\" value=\"{}\"{}> {}</label>",
                s, Html.flag(f.all("services").contains(s), "checked"), s));
        String err = e.get("services");
        return Html.t("""
                <div class="field" data-field="services"><span class="label">Services</span><div class="chips">{}</div>
                <p class="hint">None checked = every service of the vault.</p><p class="error" data-error-for="services"{}>{}</p></div>
                """, chips, Html.flag(err == null, "hidden"), err == null ? "" : err);
    }

    private Html agentRow(Ctx ctx, JsonNode a, List<String> vaultServices) {
        String vault = ctx.param("vault");
        String name = Nodes.str(a, "name");
        String role = "";
        List<String> others = new ArrayList<>();
        for (JsonNode g : Nodes.list(a.path("vaults"))) {
            if (Nodes.str(g, "vault").equals(vault)) {
                role = Nodes.str(g, "role");
            } else {
                others.add(Nodes.str(g, "vault") + ":" + Nodes.str(g, "role"));
            }
        }
        List<JsonNode> toks = Nodes.list(a.path("tokens"));
        String expires = toks.isEmpty() ? "no active token" : Nodes.str(toks.getFirst(), "expires_at");
        if (expires.isEmpty()) {
            expires = "never";
        }
        boolean revoked = a.path("revoked").asBoolean();
        String base = Urls.path("vaults", vault, "agents", name);
        return Html.t("""
                <tr data-agent="{}"{}><td><strong>{}</strong>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} by {}</td>
                <td class="actions">{}
                <form method="post" action="{}/delete" class="inline" data-confirm="Delete agent {} and all its tokens?">{}
                <button class="link danger">Delete</button></form></td></tr>""",
                name, Html.flag(revoked, "data-revoked"), name, revoked ? Html.t(" <span class=\"badge bad\">revoked</span>") : Html.empty(),
                role, others.isEmpty() ? "—" : String.join(", ", others),
                a.path("services").isArray() ? String.join(", ", Nodes.strings(a.get("services"))) : "all",
                expires.equals("never") || expires.startsWith("no ") ? expires : Nodes.time(expires),
                Nodes.time(Nodes.str(a, "created_at")), Nodes.str(a, "created_by"),
                revoked ? Html.empty() : Html.t("""
                        <details class="inline" data-set-services="{}"><summary class="link">Services</summary>
                        <form method="post" action="{}/services">{}{}<button class="link">Save services</button></form></details>
                        <form method="post" action="{}/rotate" class="inline" data-confirm="Rotate: the current token stops working now.">{}
                        <button class="link">Rotate</button></form>
                        <form method="post" action="{}/revoke" class="inline" data-confirm="Revoke agent {}? Its tokens stop working.">{}
                        <button class="link danger">Revoke</button></form>""", name, base, ctx.csrf(),
                        serviceChoice(vaultServices, agentServicesForm(a), Fields.Errors.NONE), base, ctx.csrf(), base, name, ctx.csrf()),
                base, name, ctx.csrf());
    }

    /** The agent's current subset as a form, so its checkboxes start checked. */
    private static Form agentServicesForm(JsonNode a) {
        StringBuilder b = new StringBuilder();
        if (a.path("services").isArray()) {
            for (String s : Nodes.strings(a.get("services"))) {
                b.append(b.isEmpty() ? "" : "&").append("services=").append(java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return Form.parse(b.toString());
    }

    /**
     * Widens or narrows an agent's services from its row. Only this vault's services are offered, so
     * names the agent has from other vaults are kept; nothing checked (and nothing kept) means all.
     */
    private ApiResponse setServices(Ctx ctx) {
        String vault = ctx.param("vault");
        String agent = ctx.param("agent");
        List<String> here = ServicePages.definitions(ctx.api().get(Urls.path("v1", "vaults", vault, "services"))).stream()
                .map(d -> d.name()).toList();
        JsonNode a = ctx.api().get(Urls.path("v1", "agents", agent));
        List<String> next = new ArrayList<>();
        if (a.path("services").isArray()) {
            Nodes.strings(a.get("services")).stream().filter(s -> !here.contains(s)).forEach(next::add);
        }
        ctx.form().all("services").stream().filter(s -> !next.contains(s)).forEach(next::add);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("services", next.isEmpty() ? null : next);
        ctx.api().put(Urls.path("v1", "agents", agent, "services"), body);
        return Ctx.redirect(Urls.path("vaults", vault, "agents"), "agent-services-saved");
    }

    private ApiResponse createAgent(Ctx ctx) {
        Form f = ctx.form();
        String vault = ctx.param("vault");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", f.get("name").strip());
        body.put("vaults", List.of(Map.of("vault", vault, "role", f.get("role").isEmpty() ? "proxy" : f.get("role"))));
        if (!f.all("services").isEmpty()) {
            body.put("services", f.all("services"));
        }
        if (f.opt("ttl") != null) {
            body.put("ttl", f.opt("ttl"));
        }
        JsonNode out;
        try {
            out = ctx.api().post("/v1/agents", body);
        } catch (KeywayException e) {
            return list(ctx, f, Ctx.errors(e, x -> x.equals("vaults") ? "role" : x), Form.empty(), Fields.Errors.NONE, e.type().status());
        }
        return shown(ctx, "Agent " + f.get("name").strip() + " created", null, out.get("token").asString());
    }

    private ApiResponse createToken(Ctx ctx) {
        Form f = ctx.form();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("vault", ctx.param("vault"));
        body.put("ttl", f.opt("ttl") == null ? "1h" : f.opt("ttl"));
        body.put("display_name", f.opt("display_name"));
        if (!f.all("services").isEmpty()) {
            body.put("services", f.all("services"));
        }
        JsonNode out;
        try {
            out = ctx.api().post("/v1/tokens", body);
        } catch (KeywayException e) {
            return list(ctx, Form.empty(), Fields.Errors.NONE, f, Ctx.errors(e, x -> x), e.type().status());
        }
        return shown(ctx, "Scoped token created", "It expires " + Nodes.time(Nodes.str(out, "expires_at")) + ".", out.get("token").asString());
    }

    /** The only page that ever contains a token: shown once, in the connect-your-agent snippet. */
    private ApiResponse shown(Ctx ctx, String title, @Nullable String note, String token) {
        String vault = ctx.param("vault");
        String snippet = "export KEYWAY_ADDR=" + ctx.baseUrl() + "\n"
                + "export KEYWAY_TOKEN=" + token + "\n"
                + "export KEYWAY_VAULT=" + vault + "\n"
                + "keyway run -- claude   # or any command: it runs with the proxy, the CA and placeholder keys set\n";
        Html body = Html.t("""
                <h1>{}</h1>
                {}
                <p class="notice warn"><strong>Copy the token now: it is shown only once.</strong> Keyway stores only its hash.</p>
                <h2>Connect your agent</h2>
                <p>Run this where your agent runs (the <code>keyway</code> CLI must be installed there):</p>
                <pre class="snippet" id="snippet">{}</pre>
                <p><button type="button" class="primary" data-copy="#snippet">Copy snippet</button>
                <span class="copied" role="status" hidden>Copied to the clipboard.</span></p>
                <p><a href="{}">Back to agents &amp; tokens</a></p>
                """, title, note == null ? Html.empty() : Html.t("<p>{}</p>", note), snippet, Urls.path("vaults", vault, "agents"));
        return ctx.page(title, "vaults", body);
    }
}
