package dev.keyway.server.web;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Small readers for the API's JSON answers (absent members read as empty). */
final class Nodes {
    private Nodes() {}

    static List<JsonNode> list(JsonNode arrayOrMissing) {
        List<JsonNode> out = new ArrayList<>();
        if (arrayOrMissing != null && arrayOrMissing.isArray()) {
            for (JsonNode n : arrayOrMissing) {
                out.add(n);
            }
        }
        return out;
    }

    static String str(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.isValueNode() ? v.asString() : v.toString();
    }

    static List<String> strings(JsonNode arrayOrMissing) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : list(arrayOrMissing)) {
            out.add(n.asString());
        }
        return out;
    }

    /** An ISO instant shortened for tables: {@code 2025-01-02 13:45:10Z}. */
    static String time(String iso) {
        if (iso == null || iso.length() < 19) {
            return iso == null ? "" : iso;
        }
        return iso.substring(0, 10) + " " + iso.substring(11, 19) + "Z";
    }
}
