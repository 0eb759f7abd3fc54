package dev.keyway.server.api;

import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.audit.AuditQuery;
import dev.keyway.store.audit.AuditVerification;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where audit queries read: the node's own log on a single node, the cluster-wide table on a
 * PostgreSQL cluster ({@code ClusterAudit}), so {@code GET /v1/audit}, {@code keyway audit tail},
 * the console's audit and traffic pages and the live stream show every node's records there.
 * {@code seq} in the records and in {@link AuditQuery#sinceSeq()} is the position in that source
 * (the local sequence number, or the cluster-wide id), so paging and tailing work the same on both.
 */
public interface AuditSource {
    /** Records matching {@code q}. */
    List<Map<String, Object>> query(AuditQuery q);

    /** The position of the newest record (0 when none): live tails poll it before querying. */
    long lastSeq();

    /** One node's hash chain as checked from the cluster-wide table. */
    record NodeChain(String node, AuditVerification verification) {}

    /**
     * On a cluster: checks every node's chain (or only {@code node}'s) from {@code from} (a node's
     * own record number) in the cluster-wide table, nodes by name. Empty on a single node, whose own
     * log is what {@code GET /v1/audit/verify} checks.
     */
    default Optional<List<NodeChain>> verifyNodes(@Nullable String node, long from) {
        return Optional.empty();
    }

    /** The node's own log. */
    static AuditSource local(AuditLog log) {
        return new AuditSource() {
            @Override
            public List<Map<String, Object>> query(AuditQuery q) {
                return log.query(q);
            }

            @Override
            public long lastSeq() {
                return log.lastSeq();
            }
        };
    }
}
