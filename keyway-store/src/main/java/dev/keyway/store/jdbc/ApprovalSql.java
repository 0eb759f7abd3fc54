package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.approval.ApprovalState;
import dev.keyway.core.error.KeywayException;
import dev.keyway.store.ApprovalRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** SQL for the {@code approvals} table (removed with their vault). */
final class ApprovalSql {
    static final String COLS = "id, vault_id, state, token_id, actor, service, method, host, path, body_bytes, node, "
            + "created_at, expires_at, decided_by, decided_at, reason, approved_until";

    private ApprovalSql() {}

    static ApprovalRecord create(Connection c, String id, ApprovalRecord a) throws SQLException {
        VaultSql.requireExists(c, a.vaultId());
        if (get(c, id).isPresent()) {
            throw KeywayException.conflict("approval " + id + " already exists");
        }
        ApprovalRecord r = new ApprovalRecord(id, a.vaultId(), a.state(), a.tokenId(), a.actor(), a.service(), a.method(),
                a.host(), a.path(), a.bodyBytes(), a.node(), Values.millisOf(a.createdAt()), Values.millisOf(a.expiresAt()),
                a.decidedBy(), Values.millis(a.decidedAt()), a.reason(), Values.millis(a.approvedUntil()));
        update(c, "INSERT INTO approvals (" + COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                r.id(), r.vaultId(), r.state().wire(), r.tokenId(), r.actor(), r.service(), r.method(), r.host(), r.path(),
                r.bodyBytes(), r.node(), r.createdAt(), r.expiresAt(), r.decidedBy(), r.decidedAt(), r.reason(),
                r.approvedUntil());
        return r;
    }

    static Optional<ApprovalRecord> get(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM approvals WHERE id = ?", id)) {
            return Rows.one(ps, ApprovalSql::row);
        }
    }

    static List<ApprovalRecord> list(Connection c, @Nullable String vaultId, @Nullable ApprovalState state, int limit)
            throws SQLException {
        List<String> conds = new ArrayList<>();
        List<Object> args = new ArrayList<>();
        if (vaultId != null) {
            conds.add("vault_id = ?");
            args.add(vaultId);
        }
        if (state != null) {
            conds.add("state = ?");
            args.add(state.wire());
        }
        args.add(Math.max(1, limit));
        String where = conds.isEmpty() ? "" : " WHERE " + String.join(" AND ", conds);
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM approvals" + where
                + " ORDER BY created_at DESC, id DESC LIMIT ?", args.toArray())) {
            return Rows.list(ps, ApprovalSql::row);
        }
    }

    /** Compare-and-set out of PENDING; false if the approval is missing or already decided. */
    static boolean decide(Connection c, String id, ApprovalState to, @Nullable String decidedBy, @Nullable String reason,
            @Nullable Instant approvedUntil, Instant at) throws SQLException {
        if (!ApprovalState.PENDING.canMoveTo(to)) {
            throw new IllegalArgumentException("an approval cannot move to " + to);
        }
        if (approvedUntil != null && to != ApprovalState.APPROVED) {
            throw new IllegalArgumentException("only an approval has an approved-until time");
        }
        return update(c, "UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, reason = ?, approved_until = ? "
                + "WHERE id = ? AND state = ?", to.wire(), decidedBy, at, reason, approvedUntil, id,
                ApprovalState.PENDING.wire()) > 0;
    }

    /** The newest approval of this exact request that is still standing at {@code now}, if any. */
    static Optional<ApprovalRecord> standing(Connection c, String tokenId, String service, String method, String path,
            Instant now) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM approvals WHERE token_id = ? AND service = ? "
                + "AND method = ? AND path = ? AND state = ? AND approved_until > ? ORDER BY approved_until DESC LIMIT 1",
                tokenId, service, method, path, ApprovalState.APPROVED.wire(), now)) {
            return Rows.one(ps, ApprovalSql::row);
        }
    }

    private static ApprovalRecord row(ResultSet rs) throws SQLException {
        return new ApprovalRecord(rs.getString("id"), rs.getString("vault_id"), ApprovalState.ofWire(rs.getString("state")),
                rs.getString("token_id"), rs.getString("actor"), rs.getString("service"), rs.getString("method"),
                rs.getString("host"), rs.getString("path"), rs.getLong("body_bytes"), rs.getString("node"),
                Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at"), rs.getString("decided_by"),
                Rows.instantOrNull(rs, "decided_at"), rs.getString("reason"), Rows.instantOrNull(rs, "approved_until"));
    }
}
