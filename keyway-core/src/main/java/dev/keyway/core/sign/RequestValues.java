package dev.keyway.core.sign;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The per-request values a signing template renders ({@link SignVariable}), fixed before signing:
 * the request exactly as it will be sent, the signing time already in the injection's unit, and the
 * nonce. The body is the caller's array (not copied: it is only read).
 *
 * @param method request method
 * @param path path as sent, without the query
 * @param query query as sent without {@code ?}, empty when none
 * @param host the {@code Host} sent
 * @param timestamp the signing time as written in the template ({@code 1499827319559})
 * @param nonce a fresh per-request value
 * @param body the body (empty when none or not buffered)
 */
public record RequestValues(String method, String path, String query, String host, String timestamp, String nonce,
        byte[] body) {
    public RequestValues {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(body, "body");
    }

    /** The value of {@code v}, UTF-8 (the body as is). */
    public byte[] value(SignVariable v) {
        return switch (v) {
            case METHOD -> utf8(method);
            case PATH -> utf8(path);
            case QUERY -> utf8(query);
            case PATH_QUERY -> utf8(query.isEmpty() ? path : path + "?" + query);
            case HOST -> utf8(host);
            case TIMESTAMP -> utf8(timestamp);
            case NONCE -> utf8(nonce);
            case BODY -> body;
            case BODY_SHA256 -> utf8(sha256Hex(body));
        };
    }

    /** Lower-case hex SHA-256. */
    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RequestValues[" + method + " " + host + path + (query.isEmpty() ? "" : "?" + query) + ", body "
                + body.length + " bytes]";
    }
}
