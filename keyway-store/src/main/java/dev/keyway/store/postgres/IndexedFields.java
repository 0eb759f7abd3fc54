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
 * docs/benchmarks.md, "Audit shipping is the whole difference"); the parser stops as soon as it has all
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
                switch (name) {
                    case "ts" -> ts = string(p, t);
                    case "type" -> type = string(p, t);
                    case "vault" -> vault = string(p, t);
                    case "actor" -> actor = string(p, t);
                    case "action" -> action = string(p, t);
                    default -> p.skipChildren(); // an object or array at any depth; a scalar is skipped unread
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

    private static @Nullable String string(JsonParser p, JsonToken t) {
        if (t == JsonToken.VALUE_STRING) {
            return p.getString();
        }
        p.skipChildren();
        return null;
    }
}
