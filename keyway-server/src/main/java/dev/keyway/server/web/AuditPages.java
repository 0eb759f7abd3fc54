package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Control-plane events (who changed what): the owner reads the whole log ({@code GET /v1/audit}),
 * other users the logs of the vaults they are members of ({@code GET /v1/vaults/{vault}/audit}).
 */
final class AuditPages {
    /** Fields shown in their own columns; the others are listed as details. */
    private static final Set<String> COLUMNS = Set.of("seq", "ts", "type", "action", "actor", "vault", "token_id");

    private final Guard guard;

    AuditPages(Guard guard) {
        this.guard = guard;
    }

    void routes(Router r) {
        r.get("/audit", RouteAccess.CONSOLE, guard.signedIn(this::page));
    }

    private ApiResponse page(Ctx ctx) {
        String actor = blank(ctx.query("actor"));
        String action = blank(ctx.query("action"));
        String vault = blank(ctx.query("vault"));
        List<JsonNode> records = new ArrayList<>();
        Map<String, @Nullable String> q = new LinkedHashMap<>();
        q.put("type", "control");
        q.put("limit", "500");
        q.put("actor", actor);
        List<String> vaults = Nodes.list(ctx.api().get("/v1/vaults").path("vaults")).stream().map(v -> Nodes.str(v, "name")).toList();
        if (ctx.session().owner() && vault == null) {
            records.addAll(Nodes.list(ctx.api().get(Urls.withQuery("/v1/audit", q)).path("records")));
        } else {
            for (String v : vault == null ? vaults : List.of(vault)) {
                try {
                    records.addAll(Nodes.list(ctx.api().get(Urls.withQuery(Urls.path("v1", "vaults", v, "audit"), q)).path("records")));
                } catch (KeywayException e) {
                    // a vault where the user is not a member: its audit is not theirs to read
                }
            }
        }
        List<JsonNode> shown = records.stream()
                .filter(r -> action == null || Nodes.str(r, "action").startsWith(action))
                .sorted(Comparator.comparingLong((JsonNode r) -> r.path("seq").asLong()).reversed())
                .limit(500).toList();
        Html rows = Html.each(shown, r -> Html.t("<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                Nodes.time(Nodes.str(r, "ts")), Nodes.str(r, "actor"), Nodes.str(r, "action"), Nodes.str(r, "vault"), details(r)));
        List<String[]> vaultOpts = new ArrayList<>();
        vaultOpts.add(new String[] {"", ctx.session().owner() ? "all (instance log)" : "all my vaults"});
        vaults.forEach(v -> vaultOpts.add(new String[] {v, v}));
        Html body = Html.t("""
                <h1>Audit</h1>
                <p class="hint">Control-plane changes: who created, changed, approved or revoked what. Proxy requests are on the
                <a href="/traffic">Traffic</a> page.</p>
                <form method="get" action="/audit" class="filters">{}{}{}<button type="submit">Filter</button> <a href="/audit">Clear</a></form>
                {}
                """, Fields.input("Actor", "actor", actor == null ? "" : actor, Fields.Errors.NONE, null),
                Fields.input("Action starts with", "action", action == null ? "" : action, Fields.Errors.NONE, null),
                Fields.select("Vault", "vault", vaultOpts, vault == null ? "" : vault, Fields.Errors.NONE, null),
                shown.isEmpty() ? Html.t("<p class=\"empty\">No events.</p>") : Html.t("""
                        <table class="list" id="audit"><thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Vault</th><th>Details</th>
                        </tr></thead><tbody>{}</tbody></table>""", rows));
        return ctx.page("Audit", "audit", body);
    }

    private static Html details(JsonNode r) {
        List<Html> parts = new ArrayList<>();
        r.properties().forEach(e -> {
            if (!COLUMNS.contains(e.getKey())) {
                JsonNode v = e.getValue();
                parts.add(Html.t("<span class=\"sub\">{}</span> {} ", e.getKey(), v.isValueNode() ? v.asString() : v.toString()));
            }
        });
        return Html.join(parts);
    }

    private static @Nullable String blank(@Nullable String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
