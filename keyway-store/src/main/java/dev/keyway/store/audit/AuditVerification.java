package dev.keyway.store.audit;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of checking the audit log's hash chain (see {@link AuditChain}, {@link AuditVerifier}).
 *
 * @param state whether the chain held over the records checked
 * @param checked records examined from {@code firstSeq} on (the first break stops the count)
 * @param firstSeq the first record examined (0 if none)
 * @param lastSeq the last record examined (0 if none)
 * @param anchored true when the first record examined could not be linked to its predecessor (it is
 *     the oldest record left, older files having been rotated away, or {@code --from} names a
 *     record whose predecessor is gone): the chain is then checked from that record on
 * @param unchained records written before chaining was switched on (only allowed before the first
 *     chained record)
 * @param tornTailBytes bytes after the last complete line of the current file: a record cut short by
 *     a crash (removed at the next start) or a batch being written right now; not tampering
 * @param broken where and why the chain breaks, null when intact
 */
public record AuditVerification(State state, long checked, long firstSeq, long lastSeq, boolean anchored, long unchained,
        long tornTailBytes, @Nullable Break broken) {

    /** Intact or broken; an explicit state rather than "broken != null" so callers switch on it. */
    public enum State { INTACT, BROKEN }

    /** Why the chain breaks at a record. */
    public enum Kind {
        /** The record's bytes (or its chain value) differ from what was written. */
        EDITED,
        /** Records are missing: the sequence jumps and the missing records appear nowhere later. */
        REMOVED,
        /** Records appear out of order (or twice). */
        REORDERED,
        /** A record or a rotated file was cut short, short of the end of the log. */
        TRUNCATED,
        /** A line that is not an audit record at all. */
        MALFORMED
    }

    /**
     * The first break.
     *
     * @param seq the record where the chain breaks (for a missing record, the first one missing)
     * @param file the file name (no directory), or what else held the record (a node's records in
     *     the cluster-wide table)
     * @param line the 1-based line number in that file; 0 when the record was not in a file
     */
    public record Break(long seq, String file, long line, Kind kind, String detail) {
        /** One line for people: {@code record 42 (audit.jsonl line 17): edited: ...}. */
        public String describe() {
            return "record " + seq + " (" + file + (line > 0 ? " line " + line : "") + "): "
                    + kind.name().toLowerCase(java.util.Locale.ROOT) + ": " + detail;
        }
    }
}
