package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.runtime.Snapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/** The vault list, vault creation and deletion (which needs the vault's name typed as confirmation). */
final class VaultPages {
    static final List<String[]> POLICIES = List.of(
            new String[] {"tunnel", "tunnel — pass unmatched hosts through untouched"},
            new String[] {"intercept", "intercept — decrypt and audit unmatched hosts"},
            new String[] {"deny", "deny — refuse unmatched hosts"});

    private final Guard guard;
    private final Supplier<Snapshot> snapshot;
    private final Supplier<String> defaultPolicy;

    VaultPages(Guard guard, Supplier<Snapshot> snapshot, Supplier<String> defaultPolicy) {
        this.guard = guard;
        this.snapshot = snapshot;
        this.defaultPolicy = defaultPolicy;
    }

    void routes(Router r) {
        r.get("/vaults", RouteAccess.CONSOLE, guard.signedIn(ctx -> list(ctx, Form.empty(), Fields.Errors.NONE, 200)));
        r.post("/vaults", RouteAccess.CONSOLE, guard.signedIn(this::create));
        r.get("/vaults/{vault}", RouteAccess.CONSOLE, guard.signedIn(ctx -> Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "credentials"), null)));
        r.get("/vaults/{vault}/danger", RouteAccess.CONSOLE, guard.signedIn(ctx -> danger(ctx, Fields.Errors.NONE, 200)));
        r.post("/vaults/{vault}/delete", RouteAccess.CONSOLE, guard.signedIn(this::delete));
    }

    private ApiResponse list(Ctx ctx, Form form, Fields.Errors errors, int status) {
        JsonNode vaults = ctx.api().get("/v1/vaults");
        Snapshot snap = snapshot.get();
        Html rows = Html.each(Nodes.list(vaults.path("vaults")), v -> {
            String name = Nodes.str(v, "name");
            var rt = snap.vaultByName(name);
            return Html.t("""
                    <tr><td><a href="{}"><strong>{}</strong></a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>
                    """, Urls.path("vaults", name, "credentials"), name, rt.map(x -> x.credentials().size()).orElse(0),
                    rt.map(x -> x.services().size()).orElse(0), Nodes.str(v, "unmatched"), Nodes.time(Nodes.str(v, "created_at")),
                    Nodes.str(v, "created_by"));
        });
        String unmatched = form.has("unmatched") ? form.get("unmatched") : defaultPolicy.get();
        Html body = Html.t("""
                <h1>Vaults</h1>
                <p class="hint">A vault holds credentials and the services that say where each may be sent. Agents get a role on a vault.</p>
                <table class="list"><thead><tr><th>Vault</th><th>Credentials</th><th>Services</th><th>Unmatched hosts</th>
                <th>Created</th><th>By</th></tr></thead><tbody>{}</tbody></table>
                <section class="card narrow-card" id="new-vault"><h2>New vault</h2>
                <form method="post" action="/vaults">{}{}{}{}
                <button type="submit" class="primary">Create vault</button></form></section>
                """, rows, ctx.csrf(), Fields.formError(errors),
                Fields.input("Name", "name", form.get("name"), errors, "Lower-case letters, digits, '-' and '_'."),
                Fields.select("Unmatched hosts", "unmatched", POLICIES, unmatched, errors, null));
        return ctx.page(status, "Vaults", "vaults", body);
    }

    private ApiResponse create(Ctx ctx) {
        String name = ctx.form().get("name").strip();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("unmatched", ctx.form().get("unmatched"));
        try {
            ctx.api().post("/v1/vaults", body);
        } catch (KeywayException e) {
            return list(ctx, ctx.form(), Ctx.errors(e, f -> f), e.type().status());
        }
        return Ctx.redirect(Urls.path("vaults", name, "credentials"), "vault-created");
    }

    private ApiResponse danger(Ctx ctx, Fields.Errors errors, int status) {
        String vault = ctx.param("vault");
        JsonNode v = ctx.api().get(Urls.path("v1", "vaults", vault));
        var rt = snapshot.get().vaultByName(vault);
        Html body = Html.t("""
                {}
                <section class="card danger-zone"><h2>Delete this vault</h2>
                <p>Deleting <strong>{}</strong> removes its {} credential(s), {} service(s) and every token bound to it. Agents using it
                stop working at once. This cannot be undone.</p>
                <form method="post" action="{}" data-typed-confirm="{}">{}{}{}
                <button type="submit" class="danger">Delete vault</button></form></section>
                """, Layout.vaultHeader(vault, "danger", Nodes.str(v, "unmatched")), vault,
                rt.map(x -> x.credentials().size()).orElse(0), rt.map(x -> x.services().size()).orElse(0),
                Urls.path("vaults", vault, "delete"), vault, ctx.csrf(), Fields.formError(errors),
                Fields.input("Type the vault's name to confirm", "confirm", "text", "", errors, null, Html.t(" autocomplete=\"off\"")));
        return ctx.page(status, vault + " · Delete", "vaults", body);
    }

    private ApiResponse delete(Ctx ctx) {
        String vault = ctx.param("vault");
        if (!ctx.form().get("confirm").strip().equals(vault)) {
            return danger(ctx, Fields.Errors.of("confirm", "Type the vault's name exactly (" + vault + ") to delete it."), 422);
        }
        try {
            ctx.api().delete(Urls.path("v1", "vaults", vault));
        } catch (KeywayException e) {
            return danger(ctx, Fields.Errors.of("", e.detail()), e.type().status());
        }
        return Ctx.redirect("/vaults", "vault-deleted");
    }
}
