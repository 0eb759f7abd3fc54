package dev.keyway.server.web;

import dev.keyway.server.http.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The page shell (head, navigation, notices) and the security headers every console page carries:
 * a strict Content-Security-Policy (scripts and styles only from this origin, so no inline script
 * can run even if markup were injected), no framing, no referrer, no caching.
 */
public final class Layout {
    public static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    /** Fixed confirmation messages selected by {@code ?done=code}: no user text is ever reflected. */
    private static final Map<String, String> NOTICES = Map.ofEntries(
            Map.entry("vault-created", "Vault created."),
            Map.entry("vault-deleted", "Vault deleted."),
            Map.entry("credential-saved", "Credential saved. Its value is stored encrypted and is never shown again."),
            Map.entry("credential-deleted", "Credential deleted."),
            Map.entry("service-saved", "Service saved."),
            Map.entry("service-deleted", "Service deleted."),
            Map.entry("service-toggled", "Service updated."),
            Map.entry("policy-saved", "Unmatched-host policy saved."),
            Map.entry("limit-set", "Rate limit saved; every node enforces it at once."),
            Map.entry("limit-removed", "Rate limit removed."),
            Map.entry("agent-revoked", "Agent revoked; its tokens no longer work."),
            Map.entry("agent-deleted", "Agent deleted."),
            Map.entry("agent-services-saved", "Agent services saved; its tokens follow at once."),
            Map.entry("token-revoked", "Token revoked (with every token it minted)."),
            Map.entry("password-changed", "Password changed. Your other sessions were signed out."),
            Map.entry("proposal-approved", "Proposal approved and applied."),
            Map.entry("proposal-rejected", "Proposal rejected."),
            Map.entry("approval-approved", "Approved: the held request is forwarded."),
            Map.entry("approval-denied", "Denied: the agent gets 403 approval-denied with your reason."),
            Map.entry("webhook-added", "Webhook added."),
            Map.entry("webhook-deleted", "Webhook removed."),
            Map.entry("webhook-tested", "Test notification sent."),
            Map.entry("defaults-saved", "Defaults saved."),
            Map.entry("user-disabled", "User disabled; their sessions and tokens were revoked."),
            Map.entry("user-enabled", "User enabled; they can sign in again."),
            Map.entry("signed-out", "You are signed out."));

    private Layout() {}

    /** A full HTML response with the console's security headers. */
    public static ApiResponse respond(int status, Html document) {
        return secure(new ApiResponse(status, "text/html; charset=utf-8", document.toString().getBytes(StandardCharsets.UTF_8),
                Map.of()));
    }

    /** Adds the console's security headers to any response. */
    public static ApiResponse secure(ApiResponse r) {
        return r.withHeader("Content-Security-Policy", CSP)
                .withHeader("X-Frame-Options", "DENY")
                .withHeader("X-Content-Type-Options", "nosniff")
                .withHeader("Referrer-Policy", "no-referrer")
                .withHeader("Cross-Origin-Opener-Policy", "same-origin")
                .withHeader("Cache-Control", "no-store");
    }

    /** A page for a signed-in user. */
    public static Html page(WebSession s, String title, String nav, Html body, @Nullable String done) {
        return page(s, title, nav, body, done, 0);
    }

    /** A page for a signed-in user; {@code pending} proposals are counted next to the Proposals link. */
    public static Html page(WebSession s, String title, String nav, Html body, @Nullable String done, int pending) {
        Html links = Html.each(navItems(s), n -> Html.t("<a href=\"{}\"{}>{}{}</a>", n.get(1),
                current(n.getFirst().equals(nav)), n.get(2), n.getFirst().equals("proposals") && pending > 0
                        ? Html.t("<span class=\"count\" title=\"pending proposals\">{}</span>", pending) : Html.empty()));
        Html header = Html.t("""
                <header class="top">
                  <a class="brand" href="/">Keyway</a>
                  <nav class="main-nav">{}</nav>
                  <div class="me"><a href="/account" title="Account">{}</a>
                    <form method="post" action="/logout" class="inline">{}<button type="submit" class="link">Sign out</button></form>
                  </div>
                </header>
                """, links, s.email(), csrfField(s.csrf()));
        return document(title, header, Html.join(notice(done), body));
    }

    private static List<List<String>> navItems(WebSession s) {
        List<List<String>> items = new java.util.ArrayList<>(List.of(
                List.of("vaults", "/vaults", "Vaults"),
                List.of("proposals", "/proposals", "Proposals"),
                List.of("approvals", "/approvals", "Approvals"),
                List.of("traffic", "/traffic", "Traffic"),
                List.of("audit", "/audit", "Audit")));
        if (s.owner()) {
            items.add(List.of("settings", "/settings", "Settings"));
        }
        return items;
    }

    /** A page without navigation (sign-in, first run, approval link, errors for anonymous users). */
    public static Html bare(String title, Html body, @Nullable String done) {
        return bare(title, body, done, false);
    }

    /** A page without navigation; {@code wide} for content pages (the approval link) rather than small forms. */
    public static Html bare(String title, Html body, @Nullable String done, boolean wide) {
        Html header = Html.t("<header class=\"top\"><a class=\"brand\" href=\"/\">Keyway</a></header>");
        return document(title, header, Html.join(notice(done), Html.t("<div class=\"narrow{}\">{}</div>", wide ? " wide" : "", body)));
    }

    private static Html document(String title, Html header, Html main) {
        return Html.t("""
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta name="color-scheme" content="light dark">
                <meta name="referrer" content="no-referrer">
                <title>{} · Keyway</title>
                <link rel="stylesheet" href="/assets/app.css">
                <script src="/assets/app.js" defer></script>
                </head>
                <body>
                {}
                <main>
                {}
                </main>
                </body>
                </html>
                """, title, header, main);
    }

    private static Html notice(@Nullable String done) {
        String msg = done == null ? null : NOTICES.get(done);
        return msg == null ? Html.empty() : Html.t("<p class=\"notice ok\" role=\"status\">{}</p>", msg);
    }

    static Html current(boolean on) {
        return on ? Html.t(" aria-current=\"page\"") : Html.empty();
    }

    /** The hidden CSRF field every state-changing form carries. */
    public static Html csrfField(String csrf) {
        return Html.t("<input type=\"hidden\" name=\"{}\" value=\"{}\">", Csrf.FIELD, csrf);
    }

    /** The tabs of one vault's pages. */
    public static Html vaultHeader(String vault, String active, String unmatched) {
        String[][] tabs = {
            {"credentials", "Credentials"}, {"services", "Services"}, {"agents", "Agents & tokens"}, {"proposals", "Proposals"},
            {"danger", "Delete"}};
        Html links = Html.each(List.of(tabs), t -> Html.t("<a href=\"{}\"{}>{}</a>",
                t[0].equals("proposals") ? Urls.withQuery("/proposals", "vault", vault) : Urls.path("vaults", vault, t[0]),
                current(t[0].equals(active)), t[1]));
        return Html.t("""
                <div class="vault-head">
                  <p class="crumbs"><a href="/vaults">Vaults</a> /</p>
                  <h1>{} <span class="badge" title="What happens to hosts no service matches">unmatched: {}</span></h1>
                  <nav class="tabs">{}</nav>
                </div>
                """, vault, unmatched, links);
    }
}
