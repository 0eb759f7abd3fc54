package dev.keyway.server.api;


import dev.keyway.core.error.KeywayException;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.audit.AuditQuery;
import dev.keyway.store.audit.AuditVerification;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /v1/audit} and {@code GET /v1/vaults/{vault}/audit}: query the audit records, oldest
 * first (on a cluster node every node's records, from the cluster-wide table: see {@link AuditSource});
 * {@code GET /v1/audit/verify}: check this node's own hash chain, or on a cluster node every node's
 * chain from the cluster-wide table.
 */
public final class AuditRoutes {
    private final AuditLog audit;
    private final AuditSource source;
    private final VaultService vaults;
    private final ApiAuth auth;

    public AuditRoutes(AuditLog audit, VaultService vaults, ApiAuth auth) {
        this(audit, AuditSource.local(audit), vaults, auth);
    }

    /** Queries read {@code source}; verification checks {@code audit}, this node's own chain. */
    public AuditRoutes(AuditLog audit, AuditSource source, VaultService vaults, ApiAuth auth) {
        this.audit = audit;
        this.source = source;
        this.vaults = vaults;
        this.auth = auth;
    }

    public void routes(Router r) {
        r.get("/v1/audit", RouteAccess.OWNER, req -> {
            Access.requireOwner(auth.authenticate(req));
            return query(req, null);
        });
        r.get("/v1/audit/verify", RouteAccess.OWNER, req -> {
            Access.requireOwner(auth.authenticate(req));
            return verify(req.queryInt("from", 1, 1, Integer.MAX_VALUE), req.queryParam("node"));
        });
        r.get("/v1/vaults/{vault}/audit", RouteAccess.AUTHENTICATED, req -> {
            var v = vaults.get(req.param("vault"));
            Access.require(auth.authenticate(req), v.id(), v.name(), VaultRole.MEMBER);
            return query(req, v.name());
        });
    }

    /**
     * {@code GET /v1/audit/verify?from=SEQ}: checks the hash chain from {@code SEQ} (default 1) to the
     * end. 200 either way: the body's {@code state} says intact or broken, and where and why. On a
     * single node that is the node's own log; on a cluster node ({@code "scope":"cluster"}) every
     * node's chain from the cluster-wide table, each under {@code nodes} (or only {@code ?node=N}'s),
     * with {@code state} broken when any node's is.
     */
    private ApiResponse verify(long from, @Nullable String node) {
        if (node != null && !node.matches("[A-Za-z0-9._:-]{1,128}")) {
            throw KeywayException.validation("node", "a node name is 1-128 characters of A-Z a-z 0-9 . _ : -");
        }
        var cluster = source.verifyNodes(node, from);
        if (cluster.isEmpty()) {
            if (node != null) {
                throw new KeywayException(dev.keyway.core.error.ErrorType.NOT_FOUND, "there is no node '" + node
                        + "': this server is a single node, not a cluster; verify without node= to check its own log");
            }
            return ApiResponse.ok(describe(audit.verify(from)));
        }
        List<Map<String, Object>> nodes = new ArrayList<>();
        boolean intact = true;
        long checked = 0;
        for (AuditSource.NodeChain c : cluster.get()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("node", c.node());
            m.putAll(describe(c.verification()));
            nodes.add(m);
            intact &= c.verification().state() == AuditVerification.State.INTACT;
            checked += c.verification().checked();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scope", "cluster");
        m.put("state", intact ? "intact" : "broken");
        m.put("checked", checked);
        m.put("nodes", nodes);
        return ApiResponse.ok(m);
    }

    private static Map<String, Object> describe(AuditVerification v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", v.state().name().toLowerCase(Locale.ROOT));
        m.put("checked", v.checked());
        m.put("first_seq", v.firstSeq());
        m.put("last_seq", v.lastSeq());
        m.put("anchored", v.anchored());
        m.put("unchained", v.unchained());
        m.put("torn_tail_bytes", v.tornTailBytes());
        AuditVerification.Break b = v.broken();
        if (b != null) {
            Map<String, Object> bm = new LinkedHashMap<>();
            bm.put("seq", b.seq());
            bm.put("file", b.file());
            bm.put("line", b.line());
            bm.put("kind", b.kind().name().toLowerCase(Locale.ROOT));
            bm.put("detail", b.detail());
            bm.put("message", b.describe());
            m.put("break", bm);
        }
        return m;
    }

    private ApiResponse query(ApiRequest req, @Nullable String vault) {
        int limit = req.queryInt("limit", 100, 1, 1000);
        String after = req.queryParam("after");
        long since = after == null ? -1 : req.queryInt("after", 0, 0, Integer.MAX_VALUE);
        String type = req.queryParam("type") != null ? req.queryParam("type") : req.queryParam("kind");
        var q = new AuditQuery(vault, req.queryParam("actor"), type, req.queryParam("action"), Math.max(0, since), limit, since < 0);
        var records = source.query(q);
        if (since < 0) {
            records = records.reversed();
        }
        return ApiResponse.ok(Map.of("records", records));
    }
}
