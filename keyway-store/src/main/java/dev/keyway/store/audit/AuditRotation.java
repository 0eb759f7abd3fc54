package dev.keyway.store.audit;

/**
 * When the audit file is rotated and how many rotated files are kept. Under proxy load the log
 * grows by a few hundred bytes per request, so one file would grow without bound; rotation closes
 * the current file at {@code maxFileBytes} and renames it after the last sequence number it holds
 * ({@code audit-0000000000000012345.jsonl}), and queries read across the files as if they were one.
 *
 * @param maxFileBytes rotate once the current file reaches this size (at least 1 MiB)
 * @param keepFiles how many rotated files to keep, oldest deleted first; {@code 0} keeps all of them
 *     (deleting audit history is a decision for the operator, so that is the default)
 */
public record AuditRotation(long maxFileBytes, int keepFiles) {
    public static final long MIN_FILE_BYTES = 1L << 20;

    /** 128 MiB files, none deleted. */
    public static final AuditRotation DEFAULT = new AuditRotation(128L << 20, 0);

    public AuditRotation {
        if (maxFileBytes < MIN_FILE_BYTES) {
            throw new IllegalArgumentException("audit files must be allowed to reach at least 1 MiB before rotation");
        }
        if (keepFiles < 0) {
            throw new IllegalArgumentException("the number of rotated audit files to keep cannot be negative");
        }
    }
}
