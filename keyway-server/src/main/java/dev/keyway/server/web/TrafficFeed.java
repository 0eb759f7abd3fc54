package dev.keyway.server.web;

import dev.keyway.server.api.AuditSource;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.EventStream;
import dev.keyway.server.http.Json;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.audit.AuditQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's request records from the audit log, for the traffic page: the recent ones, and a live
 * tail as Server-Sent Events (on a cluster node every node's, read from the cluster-wide table:
 * a record appears within the shipping interval plus {@value #POLL_MILLIS} ms). A user sees the records of vaults where they could read the audit
 * through the API (member or more; the owner sees all), re-checked while the stream is open, so a
 * revoked session or role stops the feed. Records hold metadata only (never header values, bodies
 * or credential values), which is what the audit log stores.
 */
final class TrafficFeed {
    static final Set<String> KINDS = Set.of("request", "denied", "connect");
    static final long POLL_MILLIS = 250;
    static final long RECHECK_MILLIS = 5_000;
    static final long KEEPALIVE_MILLIS = 15_000;

    /** The traffic page's filters; null means any. */
    record Filter(@Nullable String status, @Nullable String service, @Nullable String agent, @Nullable String host,
            @Nullable String vault) {
        static Filter of(ApiRequest req) {
            return new Filter(blank(req.queryParam("status")), blank(req.queryParam("service")), blank(req.queryParam("agent")),
                    blank(req.queryParam("host")), blank(req.queryParam("vault")));
        }

        private static @Nullable String blank(@Nullable String s) {
            return s == null || s.isBlank() ? null : s.strip();
        }

        boolean matches(Map<String, Object> r) {
            if (status != null) {
                int st = r.get("status") instanceof Number n ? n.intValue() : 0;
                boolean ok = switch (status) {
                    case "2xx" -> st >= 200 && st < 300;
                    case "3xx" -> st >= 300 && st < 400;
                    case "4xx" -> st >= 400 && st < 500;
                    case "5xx" -> st >= 500 && st < 600;
                    case "errors" -> st >= 400 || r.get("error_type") != null;
                    default -> true;
                };
                if (!ok) {
                    return false;
                }
            }
            return eq(service, r.get("service")) && eq(agent, r.get("actor")) && eq(vault, r.get("vault"))
                    && (host == null || String.valueOf(r.get("host")).contains(host));
        }

        private static boolean eq(@Nullable String wanted, @Nullable Object actual) {
            return wanted == null || wanted.equals(actual);
        }
    }

    private final AuditSource log;
    private final Supplier<Snapshot> snapshot;

    TrafficFeed(AuditSource log, Supplier<Snapshot> snapshot) {
        this.log = log;
        this.snapshot = snapshot;
    }

    long lastSeq() {
        return log.lastSeq();
    }

    /** Up to {@code limit} visible traffic records, newest first. */
    List<Map<String, Object>> recent(Principal p, Filter f, int limit) {
        Snapshot s = snapshot.get();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : log.query(new AuditQuery(null, null, null, 0, AuditQuery.MAX_LIMIT, true))) {
            if (shown(p, s, f, r)) {
                out.add(r);
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return out;
    }

    /** The live tail after {@code after}; {@code principal} re-authenticates (null ends the stream). */
    EventStream stream(Supplier<@Nullable Principal> principal, Filter f, long after) {
        return sink -> {
            Principal p = principal.get();
            long last = after;
            long now = System.currentTimeMillis();
            long checked = now;
            long beat = now;
            if (p == null || !sink.send("retry: 2000\n\n")) {
                return;
            }
            while (sink.open()) {
                if (log.lastSeq() > last) {
                    List<Map<String, Object>> fresh = new ArrayList<>(log.query(new AuditQuery(null, null, null, last,
                            AuditQuery.MAX_LIMIT, true))).reversed();
                    Snapshot s = snapshot.get();
                    for (Map<String, Object> r : fresh) {
                        long seq = r.get(AuditLog.SEQ) instanceof Number n ? n.longValue() : last;
                        last = Math.max(last, seq);
                        if (shown(p, s, f, r) && !sink.send("id: " + seq + "\nevent: traffic\ndata: "
                                + new String(Json.write(r), java.nio.charset.StandardCharsets.UTF_8) + "\n\n")) {
                            return;
                        }
                    }
                }
                now = System.currentTimeMillis();
                if (now - checked >= RECHECK_MILLIS) {
                    p = principal.get();
                    if (p == null) {
                        return;
                    }
                    checked = now;
                }
                if (now - beat >= KEEPALIVE_MILLIS) {
                    if (!sink.send(": keep-alive\n\n")) {
                        return;
                    }
                    beat = now;
                }
                Thread.sleep(POLL_MILLIS);
            }
        };
    }

    private static boolean shown(Principal p, Snapshot s, Filter f, Map<String, Object> r) {
        return traffic(r) && visible(p, s, r) && f.matches(r);
    }

    /** Requests, denials and blind tunnels; an intercepted CONNECT is not shown (its requests are). */
    static boolean traffic(Map<String, Object> r) {
        String type = String.valueOf(r.get("type"));
        return KINDS.contains(type) && !(type.equals("connect") && "intercept".equals(r.get("mode")));
    }

    /** Same rule as {@code GET /v1/vaults/{vault}/audit}: member or more on the record's vault; the owner sees all. */
    static boolean visible(Principal p, Snapshot s, Map<String, Object> r) {
        if (p.owner()) {
            return true;
        }
        if (!(r.get("vault") instanceof String name)) {
            return false;
        }
        return s.vaultByName(name).map(v -> {
            VaultRole role = Access.roleOn(p, v.vault().id());
            return role != null && role.atLeast(VaultRole.MEMBER);
        }).orElse(false);
    }
}
