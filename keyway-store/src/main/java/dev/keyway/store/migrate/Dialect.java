package dev.keyway.store.migrate;

import java.util.regex.Pattern;

/**
 * The SQL dialects Keyway's schema runs on, and how one numbered list of migrations serves them all.
 *
 * <p>Why one list: a schema step is written once, in the portable SQL both databases accept
 * (epoch-millisecond {@code BIGINT} timestamps, {@code BOOLEAN}, {@code TEXT},
 * {@code ON CONFLICT}), so SQLite and PostgreSQL never drift apart and a contributor adds one file.
 * The list lives in {@value Migrator#COMMON} (the historical name; those files are the portable
 * source). Where a dialect really needs different SQL, a file of the same name in its
 * {@link #overrides()} directory replaces the common one for that dialect only; otherwise the
 * common text goes through {@link #adapt}, which only renames {@code BLOB} to {@code BYTEA} for
 * PostgreSQL (the one type name the two disagree on).
 */
public enum Dialect {
    SQLITE("db/sqlite"),
    POSTGRESQL("db/postgresql");

    private static final Pattern BLOB = Pattern.compile("\\bBLOB\\b");

    private final String overrides;

    Dialect(String overrides) {
        this.overrides = overrides;
    }

    /** Classpath directory whose same-named files replace common scripts for this dialect. */
    public String overrides() {
        return overrides;
    }

    /** The common script's text as this dialect runs it. */
    public String adapt(String commonSql) {
        return switch (this) {
            case SQLITE -> commonSql;
            case POSTGRESQL -> BLOB.matcher(commonSql).replaceAll("BYTEA");
        };
    }
}
