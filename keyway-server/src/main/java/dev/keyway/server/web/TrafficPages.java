package dev.keyway.server.web;

import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.Json;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The live traffic page: recent proxy requests rendered on the server, new ones pushed over
 * Server-Sent Events ({@code /traffic/stream}), filters (status class, service, agent, host, vault)
 * and a detail drawer with the decision: matched service, whether a credential was injected (names
 * only), error type and latency.
 */
final class TrafficPages {
    private static final List<String[]> STATUS = List.of(new String[] {"", "any"}, new String[] {"2xx", "2xx"},
            new String[] {"3xx", "3xx"}, new String[] {"4xx", "4xx"}, new String[] {"5xx", "5xx"},
            new String[] {"errors", "errors"});

    private final Guard guard;
    private final TrafficFeed feed;

    TrafficPages(Guard guard, TrafficFeed feed) {
        this.guard = guard;
        this.feed = feed;
    }

    void routes(Router r) {
        r.get("/traffic", RouteAccess.CONSOLE, guard.signedIn(this::page));
        r.get("/traffic/stream", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            TrafficFeed.Filter f = TrafficFeed.Filter.of(ctx.req());
            long given = after(ctx.req().header("last-event-id"), ctx.query("after"));
            long after = given < 0 ? feed.lastSeq() : given;
            var req = ctx.req();
            return Layout.secure(ApiResponse.stream("text/event-stream; charset=utf-8", feed.stream(() -> {
                WebSession s = guard.session(req);
                return s == null ? null : s.principal();
            }, f, after))).withHeader("X-Accel-Buffering", "no");
        }));
    }

    private static long after(@Nullable String lastEventId, @Nullable String query) {
        for (String s : new String[] {lastEventId, query}) {
            if (s != null) {
                try {
                    return Math.max(0, Long.parseLong(s.strip()));
                } catch (NumberFormatException ignored) {
                    // fall through
                }
            }
        }
        return -1;
    }

    private ApiResponse page(Ctx ctx) {
        TrafficFeed.Filter f = TrafficFeed.Filter.of(ctx.req());
        long after = feed.lastSeq();
        List<Map<String, Object>> all = feed.recent(ctx.session().principal(), new TrafficFeed.Filter(null, null, null, null, null), 1000);
        List<Map<String, Object>> shown = all.stream().filter(f::matches).limit(200).toList();
        Html rows = Html.each(shown, TrafficPages::row);
        Map<String, @Nullable String> q = new LinkedHashMap<>();
        q.put("status", f.status());
        q.put("service", f.service());
        q.put("agent", f.agent());
        q.put("host", f.host());
        q.put("vault", f.vault());
        q.put("after", Long.toString(after));
        Html body = Html.t("""
                <h1>Traffic <span id="live" class="live">connecting…</span></h1>
                <form method="get" action="/traffic" class="filters">{}{}{}{}{}
                <button type="submit">Filter</button> <a href="/traffic">Clear</a></form>
                <table class="list" id="traffic" data-stream="{}"><thead><tr><th>Time</th><th>Agent / token</th><th>Method</th><th>Host</th>
                <th>Path</th><th>Service</th><th>Status</th><th>Error</th><th>Latency</th></tr></thead><tbody>{}</tbody></table>
                {}
                <aside id="drawer" class="drawer" hidden aria-label="Request details"><button type="button" id="drawer-close" class="link">Close ✕</button><h2>Request</h2><dl class="facts" id="drawer-facts"></dl>
                <p class="hint">Metadata from the audit log. Keyway never records header values, bodies or credential values.</p></aside>
                """,
                Fields.select("Status", "status", STATUS, f.status() == null ? "" : f.status(), Fields.Errors.NONE, null),
                choice("Service", "service", distinct(all, "service"), f.service()),
                choice("Agent", "agent", distinct(all, "actor"), f.agent()),
                Fields.input("Host contains", "host", f.host() == null ? "" : f.host(), Fields.Errors.NONE, null),
                choice("Vault", "vault", distinct(all, "vault"), f.vault()),
                Urls.withQuery("/traffic/stream", q), rows,
                shown.isEmpty() ? Html.t("<p class=\"empty\" id=\"traffic-empty\">No requests yet. New ones appear here as they happen.</p>")
                        : Html.empty());
        return ctx.page("Traffic", "traffic", body);
    }

    private static Html choice(String label, String name, List<String> values, @Nullable String selected) {
        List<String[]> opts = new ArrayList<>();
        opts.add(new String[] {"", "any"});
        values.forEach(v -> opts.add(new String[] {v, v}));
        if (selected != null && !values.contains(selected)) {
            opts.add(new String[] {selected, selected});
        }
        return Fields.select(label, name, opts, selected == null ? "" : selected, Fields.Errors.NONE, null);
    }

    private static List<String> distinct(List<Map<String, Object>> records, String field) {
        TreeSet<String> s = new TreeSet<>();
        records.forEach(r -> {
            if (r.get(field) instanceof String v && !v.isEmpty()) {
                s.add(v);
            }
        });
        return List.copyOf(s).subList(0, Math.min(100, s.size()));
    }

    static String hostPort(Map<String, Object> r) {
        Object host = r.getOrDefault("host", "");
        Object port = r.get("port");
        return port == null || port.toString().equals("443") || port.toString().equals("80") ? host.toString() : host + ":" + port;
    }

    /** One row; the record (metadata only) rides along for the detail drawer. */
    static Html row(Map<String, Object> r) {
        String time = String.valueOf(r.getOrDefault("time", r.getOrDefault("ts", "")));
        Object status = r.get("status");
        String st = status == null ? "" : status.toString();
        String method = r.get("method") != null ? r.get("method").toString() : "connect".equals(r.get("type")) ? "CONNECT" : "";
        return Html.t("""
                <tr data-seq="{}" data-record="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="{}">{}</td>
                <td>{}</td><td>{}</td></tr>
                """, r.get("seq"), new String(Json.write(r), StandardCharsets.UTF_8), Nodes.time(time).replace("Z", ""),
                r.getOrDefault("actor", ""), method, hostPort(r), r.getOrDefault("path", ""),
                r.getOrDefault("service", "—"), st.isEmpty() ? "" : "status-" + st.charAt(0), st, r.getOrDefault("error_type", ""),
                r.get("duration_ms") == null ? "" : r.get("duration_ms") + " ms");
    }
}
