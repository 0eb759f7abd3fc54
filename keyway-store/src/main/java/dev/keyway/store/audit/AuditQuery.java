package dev.keyway.store.audit;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Filter for {@link AuditLog#query}: every non-null criterion must equal the record's field of the
 * same name ({@code vault}, {@code actor}, {@code type}, {@code action}: a control-plane action such
 * as {@code user.disable} or {@code credential.reveal}).
 *
 * @param sinceSeq only records with a larger {@code seq} (exclusive; 0 = from the beginning), for
 *     polling and paging
 * @param limit at most this many records; values below 1 mean {@value #DEFAULT_LIMIT}, values above
 *     {@value #MAX_LIMIT} are capped
 * @param newestFirst newest records first (the usual view); otherwise oldest first starting after
 *     {@code sinceSeq}
 */
public record AuditQuery(
        @Nullable String vault, @Nullable String actor, @Nullable String type, @Nullable String action, long sinceSeq,
        int limit, boolean newestFirst) {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    public AuditQuery {
        limit = limit < 1 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
        sinceSeq = Math.max(0, sinceSeq);
    }

    /** A query without an action filter. */
    public AuditQuery(@Nullable String vault, @Nullable String actor, @Nullable String type, long sinceSeq, int limit,
            boolean newestFirst) {
        this(vault, actor, type, null, sinceSeq, limit, newestFirst);
    }

    /** The newest {@code limit} records, unfiltered. */
    public static AuditQuery latest(int limit) {
        return new AuditQuery(null, null, null, 0, limit, true);
    }

    /** Up to {@code limit} records after {@code sinceSeq}, oldest first (tailing). */
    public static AuditQuery after(long sinceSeq, int limit) {
        return new AuditQuery(null, null, null, sinceSeq, limit, false);
    }

    boolean matches(Map<String, Object> record) {
        return eq(vault, record.get("vault")) && eq(actor, record.get("actor")) && eq(type, record.get("type"))
                && eq(action, record.get("action"));
    }

    private static boolean eq(@Nullable String wanted, @Nullable Object actual) {
        return wanted == null || wanted.equals(actual);
    }
}
