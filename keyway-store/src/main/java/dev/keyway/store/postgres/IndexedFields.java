package dev.keyway.store.postgres;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The top-level string fields of an audit record that {@code audit_records} has columns for, read
 * from the record's line with a streaming parser.
 *
 * <p>Why not parse the record: shipping needs five strings per record, and building each record as
 * a map was the largest cost of shipping on a cluster node besides reading the file (see
 * docs/benchmarks.md, "The proxy path on PostgreSQL vs SQLite"); the parser stops as soon as it has all
 * five, which the log's records carry near their start. A value that is not a string counts as absent;
 * a line that ends before it is one well-formed JSON object, or has something after it, has no fields.
 * The line itself is stored as written either way: these columns only serve lookups.
 */
record IndexedFields(@Nullable String ts, @Nullable String type, @Nullable String vault, @Nullable String actor,
        @Nullable String action) {
    static final IndexedFields NONE = new IndexedFields(null, null, null, null, null);

    static IndexedFields of(JsonMapper mapper, byte[] line) {
        String ts = null;
        String type = null;
        String vault = null;
        String actor = null;
        String action = null;
        try (JsonParser p = mapper.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return NONE;
            }
            for (String name = p.nextName(); name != null; name = p.nextName()) {
                JsonToken t = p.nextToken();
                String v = t == JsonToken.VALUE_STRING ? p.getString() : null;
                if (v == null) {
                    p.skipChildren(); // an object or array value, at any depth: not ours (no-op for a scalar)
                    continue;
                }
                switch (name) {
                    case "ts" -> ts = v;
                    case "type" -> type = v;
                    case "vault" -> vault = v;
                    case "actor" -> actor = v;
                    case "action" -> action = v;
                    default -> { }
                }
                if (ts != null && type != null && vault != null && actor != null && action != null) {
                    return new IndexedFields(ts, type, vault, actor, action); // the rest of the line is not needed
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return NONE;
            }
        } catch (JacksonException e) {
            return NONE;
        }
        return new IndexedFields(ts, type, vault, actor, action);
    }
}
