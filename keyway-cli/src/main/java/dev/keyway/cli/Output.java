package dev.keyway.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Prints tables and JSON consistently across commands. */
final class Output {
    private static final JsonMapper PRETTY = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private Output() {}

    static void json(PrintWriter out, Object node) {
        out.println(PRETTY.writeValueAsString(node));
        out.flush();
    }

    /** Prints rows as an aligned table; {@code columns} are JSON member names, headers upper-cased. */
    static void table(PrintWriter out, JsonNode items, String... columns) {
        List<String[]> rows = new ArrayList<>();
        String[] header = new String[columns.length];
        for (int i = 0; i < columns.length; i++) {
            header[i] = columns[i].toUpperCase(java.util.Locale.ROOT);
        }
        rows.add(header);
        for (JsonNode item : items) {
            String[] row = new String[columns.length];
            for (int i = 0; i < columns.length; i++) {
                JsonNode v = item.get(columns[i]);
                row[i] = v == null || v.isNull() ? "-" : v.isArray() ? join(v) : v.asString();
            }
            rows.add(row);
        }
        if (rows.size() == 1) {
            out.println("(none)");
            out.flush();
            return;
        }
        int[] w = new int[columns.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                b.append(i == r.length - 1 ? r[i] : String.format("%-" + w[i] + "s  ", r[i]));
            }
            out.println(b.toString().stripTrailing());
        }
        out.flush();
    }

    private static String join(JsonNode arr) {
        List<String> s = new ArrayList<>();
        arr.forEach(n -> s.add(n.asString()));
        return s.isEmpty() ? "-" : String.join(",", s);
    }
}
