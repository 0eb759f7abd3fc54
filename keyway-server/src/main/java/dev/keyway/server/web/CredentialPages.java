package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A vault's Credentials tab. Values are write-only: they are typed into password inputs, go
 * straight to {@code PUT /v1/vaults/{vault}/credentials/{name}} (which encrypts them) and are never
 * rendered back, not even into a form that failed validation.
 */
final class CredentialPages {
    private final Guard guard;

    CredentialPages(Guard guard) {
        this.guard = guard;
    }

    void routes(Router r) {
        String base = "/vaults/{vault}/credentials";
        r.get(base, RouteAccess.CONSOLE, guard.signedIn(ctx -> list(ctx, Form.empty(), Fields.Errors.NONE, "", Fields.Errors.NONE, 200)));
        r.post(base, RouteAccess.CONSOLE, guard.signedIn(this::save));
        r.get(base + "/{name}/delete", RouteAccess.CONSOLE, guard.signedIn(this::confirmDelete));
        r.get(base + "/{name}/oauth", RouteAccess.CONSOLE, guard.signedIn(this::oauth));
        r.post(base + "/{name}/delete", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            ctx.api().delete(Urls.path("v1", "vaults", ctx.param("vault"), "credentials", ctx.param("name")));
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "credentials"), "credential-deleted");
        }));
    }

    private ApiResponse list(Ctx ctx, Form form, Fields.Errors errors, String failedUpdate, Fields.Errors updateErrors, int status) {
        String vault = ctx.param("vault");
        JsonNode v = ctx.api().get(Urls.path("v1", "vaults", vault));
        JsonNode creds = ctx.api().get(Urls.path("v1", "vaults", vault, "credentials"));
        String action = Urls.path("vaults", vault, "credentials");
        Html rows = Html.each(Nodes.list(creds.path("credentials")), c -> {
            String name = Nodes.str(c, "name");
            Fields.Errors e = name.equals(failedUpdate) ? updateErrors : Fields.Errors.NONE;
            return Html.t("""
                    <tr data-credential="{}"><td><code>{}</code>{}</td><td>{}</td><td>v{}</td><td>{}</td><td>{}</td>
                    <td><details{}><summary>Set new value</summary>
                    <form method="post" action="{}" class="inline-form">{}<input type="hidden" name="name" value="{}">{}
                    <button type="submit">Save</button></form></details></td>
                    <td><a class="danger" href="{}">Delete…</a></td></tr>
                    """, name, name, "linked".equals(Nodes.str(c, "kind"))
                            ? Html.t(" <span class=\"badge\" data-linked>linked: {} <code>{}</code></span>", Nodes.str(c, "source"),
                                    Nodes.str(c, "ref"))
                            : "oauth".equals(Nodes.str(c, "kind"))
                            ? Html.t(" <a class=\"badge{}\" data-oauth=\"{}\" href=\"{}\">oauth: {}</a>",
                                    "broken".equals(Nodes.str(c, "state")) ? " danger" : "", Nodes.str(c, "state"),
                                    Urls.path("vaults", vault, "credentials", name, "oauth"), Nodes.str(c, "state"))
                            : Html.empty(),
                    Nodes.str(c, "description"), Nodes.str(c, "version"), Nodes.time(Nodes.str(c, "updated_at")),
                    Nodes.str(c, "updated_by"), Html.flag(e.any(), "open"), action, ctx.csrf(), name,
                    Html.t("<label>New value <input type=\"password\" name=\"value\" autocomplete=\"off\" spellcheck=\"false\" "
                            + "required aria-label=\"New value for {}\"></label>{}", name,
                            e.any() ? Html.t("<p class=\"error\">{}</p>", e.byField().values().iterator().next()) : Html.empty()),
                    Urls.path("vaults", vault, "credentials", name, "delete"));
        });
        Html table = Nodes.list(creds.path("credentials")).isEmpty()
                ? Html.t("<p class=\"empty\">No credentials yet.</p>")
                : Html.t("""
                        <table class="list"><thead><tr><th>Name</th><th>Description</th><th>Version</th><th>Last change</th>
                        <th>By</th><th></th><th></th></tr></thead><tbody>{}</tbody></table>""", rows);
        Html body = Html.t("""
                {}
                <p class="hint">Values are encrypted and never shown again: not here, not to agents. Services say where each may be sent.</p>
                {}
                <section class="card narrow-card" id="new-credential"><h2>Add a credential</h2>
                <form method="post" action="{}" autocomplete="off">{}{}{}{}{}
                <button type="submit" class="primary">Save credential</button></form></section>
                """, Layout.vaultHeader(vault, "credentials", Nodes.str(v, "unmatched")), table, action, ctx.csrf(),
                Fields.formError(errors),
                Fields.input("Name", "name", "text", form.get("name"), errors, "Upper-case, e.g. OPENAI_API_KEY.",
                        Html.t(" autocomplete=\"off\" spellcheck=\"false\"")),
                Fields.input("Description", "description", form.get("description"), errors, "Optional."),
                Fields.secret("Value", "value", errors, "Write-only.", true));
        return ctx.page(status, vault + " · Credentials", "vaults", body);
    }

    private ApiResponse save(Ctx ctx) {
        Form f = ctx.form();
        String name = f.get("name").strip();
        boolean update = !f.has("description");
        if (name.isEmpty()) {
            return list(ctx, f, Fields.Errors.of("name", "A name is required."), "", Fields.Errors.NONE, 422);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("value", f.get("value"));
        if (!update) {
            body.put("description", f.opt("description"));
        }
        try {
            ctx.api().put(Urls.path("v1", "vaults", ctx.param("vault"), "credentials", name), body);
        } catch (KeywayException e) {
            Fields.Errors errors = Ctx.errors(e, x -> x);
            return update ? list(ctx, Form.empty(), Fields.Errors.NONE, name, errors, e.type().status())
                    : list(ctx, f, errors, "", Fields.Errors.NONE, e.type().status());
        }
        return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "credentials"), "credential-saved");
    }

    /**
     * An OAuth-minted credential (issue 12): grant, endpoints, client, scopes, which secrets are
     * held (names only), the state, and the command that re-authorizes it. Never a secret or a token.
     */
    private ApiResponse oauth(Ctx ctx) {
        String vault = ctx.param("vault");
        String name = ctx.param("name");
        JsonNode o = ctx.api().get(Urls.path("v1", "vaults", vault, "credentials", name, "oauth"));
        String grant = Nodes.str(o, "grant");
        boolean broken = "broken".equals(Nodes.str(o, "state"));
        Html state = broken
                ? Html.t("<div class=\"notice warn\" data-state=\"broken\"><p><strong>Broken</strong> since {}: {}</p>"
                        + "<p>Requests that use it get <code>credential-unavailable</code> (502) until it is re-authorized.</p></div>",
                        Nodes.time(Nodes.str(o, "state_at")), Nodes.str(o, "state_detail"))
                : Html.t("<p data-state=\"ok\">State: <strong>ok</strong> (Keyway mints access tokens on use and refreshes them"
                        + " ahead of expiry).</p>");
        Html body = Html.t("""
                <p class="crumbs"><a href="{}">{}</a> / credentials</p>
                <h1>OAuth credential <code>{}</code></h1>
                {}
                <table class="list"><tbody>
                <tr><th>Grant</th><td><code>{}</code></td></tr>
                <tr><th>Token endpoint</th><td><code>{}</code></td></tr>
                <tr><th>Client</th><td><code>{}</code></td></tr>
                <tr><th>Client authentication</th><td>{}</td></tr>
                <tr><th>Scopes</th><td>{}</td></tr>
                <tr><th>Secrets held</th><td>{} <span class="hint">(write-only, never shown)</span></td></tr>
                </tbody></table>
                <section class="card"><h2>Re-authorize</h2><p class="hint">Run on a machine with a browser (or with the new secret
                files); it replaces the stored secrets and clears a broken state:</p><pre><code>{}</code></pre></section>
                """, Urls.path("vaults", vault, "credentials"), vault, name, state, grant, Nodes.str(o, "token_url"),
                Nodes.str(o, "client_id"), Nodes.str(o, "auth_method").isEmpty() ? "—" : Nodes.str(o, "auth_method"),
                String.join(" ", Nodes.strings(o.path("scopes"))), String.join(", ", Nodes.strings(o.path("secrets"))),
                reauthorize(vault, name, grant, o));
        return ctx.page(name + " · OAuth", "vaults", body);
    }

    /** The CLI command that re-authorizes the credential, by grant (secrets as file placeholders). */
    static String reauthorize(String vault, String name, String grant, JsonNode o) {
        String scopes = Nodes.strings(o.path("scopes")).stream().map(s -> " --scope " + s).reduce("", String::concat);
        return switch (grant) {
            case "refresh_token" -> "keyway oauth authorize " + name + " --vault " + vault + " --authorize-url AUTHORIZE_URL"
                    + " --token-url " + Nodes.str(o, "token_url") + " --client-id " + Nodes.str(o, "client_id")
                    + (Nodes.strings(o.path("secrets")).contains("client_secret") ? " --client-secret-file F" : "") + scopes
                    + "\n# or, with a refresh token obtained elsewhere:\nkeyway credential oauth " + name + " --vault " + vault
                    + " --grant refresh_token --token-url " + Nodes.str(o, "token_url") + " --client-id " + Nodes.str(o, "client_id")
                    + " --refresh-token-file F";
            case "github-app" -> "keyway credential oauth " + name + " --vault " + vault + " --grant github-app --app-id "
                    + Nodes.str(o, "app_id") + " --installation-id " + Nodes.str(o, "installation_id") + " --private-key-file F";
            case "google-service-account" -> "keyway credential oauth " + name + " --vault " + vault
                    + " --grant google-service-account --key-file F" + scopes;
            default -> "keyway credential oauth " + name + " --vault " + vault + " --grant " + grant + " --token-url "
                    + Nodes.str(o, "token_url") + " --client-id " + Nodes.str(o, "client_id")
                    + ("private_key_jwt".equals(Nodes.str(o, "auth_method")) ? " --auth-method private_key_jwt --client-key-file F"
                            : " --client-secret-file F") + scopes;
        };
    }

    private ApiResponse confirmDelete(Ctx ctx) {
        String vault = ctx.param("vault");
        String name = ctx.param("name");
        JsonNode c = ctx.api().get(Urls.path("v1", "vaults", vault, "credentials", name));
        List<ServiceDefinition> users = ServicePages.definitions(ctx.api().get(Urls.path("v1", "vaults", vault, "services")))
                .stream().filter(d -> d.injection().credentialNames().contains(name)).toList();
        Html warning = users.isEmpty()
                ? Html.t("<p>No service of this vault uses it.</p>")
                : Html.t("<div class=\"notice warn\"><p><strong>{} service(s) use this credential</strong> and will fail with "
                        + "<code>credential-unavailable</code> once it is gone:</p><ul>{}</ul></div>", users.size(),
                        Html.each(users, d -> Html.t("<li><code>{}</code> → {}</li>", d.name(), d.host())));
        Html body = Html.t("""
                <p class="crumbs"><a href="{}">{}</a> / credentials</p>
                <h1>Delete credential <code>{}</code>?</h1>
                <p class="hint">Version {}, last changed {} by {}.</p>
                {}
                <form method="post" action="{}">{}
                <button type="submit" class="danger">Delete credential</button> <a href="{}">Cancel</a></form>
                """, Urls.path("vaults", vault, "credentials"), vault, name, Nodes.str(c, "version"), Nodes.time(Nodes.str(c, "updated_at")),
                Nodes.str(c, "updated_by"), warning, Urls.path("vaults", vault, "credentials", name, "delete"), ctx.csrf(),
                Urls.path("vaults", vault, "credentials"));
        return ctx.page("Delete " + name, "vaults", body);
    }
}
