package dev.keyway.store.migrate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One schema step: the SQL of classpath resource {@code V<version>__<description>.sql}.
 *
 * <p>The checksum is the SHA-256 of the text with line endings normalised to {@code \n}, so a
 * Windows checkout (CRLF) of an unchanged file still verifies.
 *
 * @param version 1, 2, 3, ... without gaps
 * @param description from the file name, underscores shown as spaces
 * @param resource full classpath resource name, for error messages
 * @param sql the script, line endings normalised
 */
public record Migration(int version, String description, String resource, String sql) {

    /** Hex SHA-256 of {@link #sql()}; stored in {@code schema_history.checksum_sha256}. */
    public String checksum() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(sql.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /**
     * The statements of the script: split where a line (other than a {@code --} comment line) ends
     * with {@code ;}. Statements therefore must not contain a semicolon at a line end themselves
     * (no trigger bodies); chunks that are only blank lines and comments are dropped.
     */
    public List<String> statements() {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean hasCode = false;
        for (String line : sql.split("\n", -1)) {
            String trimmed = line.strip();
            current.append(line).append('\n');
            boolean comment = trimmed.startsWith("--");
            if (!trimmed.isEmpty() && !comment) {
                hasCode = true;
            }
            if (!comment && trimmed.endsWith(";")) {
                if (hasCode) {
                    String stmt = current.toString().strip();
                    out.add(stmt.substring(0, stmt.length() - 1).strip());
                }
                current.setLength(0);
                hasCode = false;
            }
        }
        if (hasCode) {
            out.add(current.toString().strip());
        }
        return out;
    }
}
