package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.PROPOSAL_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.ProposalRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** SQL for the {@code proposals} table (removed with their vault). */
final class ProposalSql {
    private ProposalSql() {}

    /** Inserts {@code p} under {@code id}; returns it as re-read (millisecond instants). */
    static ProposalRecord create(Connection c, String id, ProposalRecord p) throws SQLException {
        Values.requireOneOf("status", p.status(), Values.PROPOSAL_STATUSES);
        VaultSql.requireExists(c, p.vaultId());
        if (get(c, id).isPresent()) {
            throw KeywayException.conflict("proposal " + id + " already exists");
        }
        ProposalRecord r = new ProposalRecord(id, p.vaultId(), p.status(), p.bodyJson(), p.message(), p.createdBy(),
                Values.millisOf(p.createdAt()), Values.millisOf(p.expiresAt()), p.reviewedBy(),
                Values.millis(p.reviewedAt()), p.reason(), p.approvalTokenId(), p.flags());
        update(c, "INSERT INTO proposals (" + PROPOSAL_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                r.id(), r.vaultId(), r.status(), r.bodyJson(), r.message(), r.createdBy(), r.createdAt(),
                r.expiresAt(), r.reviewedBy(), r.reviewedAt(), r.reason(), r.approvalTokenId(), r.flags());
        return r;
    }

    static Optional<ProposalRecord> get(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + PROPOSAL_COLS + " FROM proposals WHERE id = ?", id)) {
            return Rows.one(ps, Rows::proposal);
        }
    }

    static List<ProposalRecord> list(Connection c, @Nullable String vaultId, @Nullable String status)
            throws SQLException {
        List<Object> args = new ArrayList<>();
        String where = filter(vaultId, status, args);
        try (PreparedStatement ps = prepare(c, "SELECT " + PROPOSAL_COLS + " FROM proposals" + where
                + " ORDER BY created_at DESC, id DESC", args.toArray())) {
            return Rows.list(ps, Rows::proposal);
        }
    }

    static int count(Connection c, String vaultId, String status) throws SQLException {
        try (PreparedStatement ps = prepare(c,
                "SELECT COUNT(*) FROM proposals WHERE vault_id = ? AND status = ?", vaultId, status)) {
            return Rows.one(ps, rs -> rs.getInt(1)).orElse(0);
        }
    }

    private static String filter(@Nullable String vaultId, @Nullable String status, List<Object> args) {
        List<String> conds = new ArrayList<>();
        if (vaultId != null) {
            conds.add("vault_id = ?");
            args.add(vaultId);
        }
        if (status != null) {
            conds.add("status = ?");
            args.add(status);
        }
        return conds.isEmpty() ? "" : " WHERE " + String.join(" AND ", conds);
    }

    /** Compare-and-set on the status; false if the proposal is missing or no longer {@code from}. */
    static boolean decide(Connection c, String id, String from, String to, @Nullable String reviewedBy,
            @Nullable String reason, Instant at) throws SQLException {
        Values.requireOneOf("status", to, Values.PROPOSAL_STATUSES);
        return update(c, "UPDATE proposals SET status = ?, reviewed_by = ?, reviewed_at = ?, reason = ? "
                + "WHERE id = ? AND status = ?", to, reviewedBy, at, reason, id, from) > 0;
    }
}
