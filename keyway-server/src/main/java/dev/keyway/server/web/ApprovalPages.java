package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Approvals: the requests the proxy holds for a human decision (services with {@code approval:}),
 * each with an approve form (once, or for a while) and a deny form with a reason shown to the
 * agent. The page calls {@code /v1/approvals} as the signed-in user, so it shows and decides exactly
 * what the API lets that user (humans with member+ on the vault). Webhook links point here. The list
 * is live: app.js re-reads this page every second and adds newly held requests (and drops decided
 * ones) without a reload, leaving alone a row whose reason you are typing.
 */
final class ApprovalPages {
    private final Guard guard;

    ApprovalPages(Guard guard) {
        this.guard = guard;
    }

    void routes(Router r) {
        r.get("/approvals", RouteAccess.CONSOLE, guard.signedIn(ctx -> list(ctx, null)));
        r.post("/approvals/{id}/approve", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            String d = ctx.form().get("for").strip();
            Map<String, Object> body = d.isEmpty() ? Map.of() : Map.of("for", d);
            try {
                ctx.api().post(Urls.path("v1", "approvals", ctx.param("id"), "approve"), body);
            } catch (KeywayException e) {
                return list(ctx, e);
            }
            return Ctx.redirect("/approvals", "approval-approved");
        }));
        r.post("/approvals/{id}/deny", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            try {
                ctx.api().post(Urls.path("v1", "approvals", ctx.param("id"), "deny"),
                        Map.of("reason", ctx.form().get("reason").strip()));
            } catch (KeywayException e) {
                return list(ctx, e);
            }
            return Ctx.redirect("/approvals", "approval-denied");
        }));
    }

    private ApiResponse list(Ctx ctx, @Nullable KeywayException failure) {
        Map<String, @Nullable String> q = new LinkedHashMap<>();
        q.put("state", "pending");
        q.put("limit", "200");
        List<JsonNode> items = Nodes.list(ctx.api().get(Urls.withQuery("/v1/approvals", q)).path("approvals"));
        Html rows = Html.each(items, a -> Html.t("""
                <tr data-approval="{}" id="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{} {}{}</code></td><td>{}</td>
                <td><form method="post" action="{}">{}<select name="for" aria-label="approve for">
                <option value="">once</option><option value="15m">for 15 minutes</option><option value="1h">for 1 hour</option></select>
                <button type="submit" class="primary">Approve</button></form>
                <form method="post" action="{}">{}<input name="reason" maxlength="500" placeholder="reason (shown to the agent)">
                <button type="submit" class="danger">Deny</button></form></td></tr>
                """, Nodes.str(a, "id"), Nodes.str(a, "id"), Nodes.time(Nodes.str(a, "created_at")), Nodes.str(a, "vault"),
                Nodes.str(a, "actor"), Nodes.str(a, "service"), Nodes.str(a, "method"), Nodes.str(a, "host"), Nodes.str(a, "path"),
                Nodes.time(Nodes.str(a, "expires_at")), Urls.path("approvals", Nodes.str(a, "id"), "approve"), ctx.csrf(),
                Urls.path("approvals", Nodes.str(a, "id"), "deny"), ctx.csrf()));
        Html body = Html.t("""
                <h1>Approvals</h1>
                <p class="hint">Requests the proxy holds until a member of the vault decides; the agent's client waits.
                A denial's reason is shown to the agent. Nothing is forwarded before you approve.</p>
                {}
                <div id="approvals-live" data-poll="/approvals">{}</div>
                """, failure == null ? Html.empty() : Html.t("<p class=\"notice bad\">{}</p>", failure.detail()),
                items.isEmpty() ? Html.t("<p class=\"empty\">No requests waiting for approval.</p>") : Html.t("""
                        <table class="list" id="approvals"><thead><tr><th>Held since</th><th>Vault</th><th>Agent</th><th>Service</th>
                        <th>Request</th><th>Times out</th><th>Decision</th></tr></thead><tbody>{}</tbody></table>""", rows));
        return ctx.page(failure == null ? 200 : failure.type().status(), "Approvals", "approvals", body);
    }
}
