package dev.keyway.core.aws;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The building blocks of AWS Signature Version 4: hashing, the signing-key derivation and the
 * canonical forms of the path and the query string. {@link SigV4Signer} assembles them.
 *
 * <p>Path rules (the only place S3 differs): for S3 the path is decoded and each byte outside the
 * unreserved set is percent-encoded once; for every other service the path is normalized (dot
 * segments and empty segments removed, as RFC 3986 and the AWS SDKs do) and the wire form is
 * percent-encoded again, so an already-encoded {@code %20} becomes {@code %2520} ("encoded twice").
 */
public final class SigV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final String TERMINATOR = "aws4_request";
    /** {@code x-amz-content-sha256} value when the payload is not part of the signature. */
    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    /** aws-chunked upload with a signature per chunk. */
    public static final String STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    /** aws-chunked upload with chunk signatures and a signed trailer. */
    public static final String STREAMING_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    /** aws-chunked upload without chunk signatures, with an unsigned trailer (checksums). */
    public static final String STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    /** SHA-256 of the empty string, hex. */
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private SigV4() {}

    /** {@code 20150830T123600Z}. */
    public static String amzDate(Instant t) {
        return AMZ_DATE.format(t);
    }

    public static String hex(byte[] b) {
        char[] out = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = HEX[(b[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[b[i] & 0xf];
        }
        return new String(out);
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    public static String sha256Hex(byte[] data) {
        return hex(sha256().digest(data));
    }

    public static String sha256Hex(String data) {
        return sha256Hex(data.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /**
     * {@code HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")}; the
     * intermediate keys are wiped.
     */
    public static byte[] signingKey(String secret, String date, String region, String service) {
        byte[] k0 = ("AWS4" + secret).getBytes(StandardCharsets.UTF_8);
        byte[] kDate = hmac(k0, date);
        byte[] kRegion = hmac(kDate, region);
        byte[] kService = hmac(kRegion, service);
        try {
            return hmac(kService, TERMINATOR);
        } finally {
            Arrays.fill(k0, (byte) 0);
            Arrays.fill(kDate, (byte) 0);
            Arrays.fill(kRegion, (byte) 0);
            Arrays.fill(kService, (byte) 0);
        }
    }

    /** {@code DATE/REGION/SERVICE/aws4_request}. */
    public static String scope(String date, String region, String service) {
        return date + "/" + region + "/" + service + "/" + TERMINATOR;
    }

    /** The canonical URI of a raw (wire) path; see the class doc for the S3 difference. */
    public static String canonicalPath(String rawPath, boolean s3) {
        if (rawPath.isEmpty()) {
            return "/";
        }
        if (s3) {
            return uriEncode(percentDecode(rawPath), true);
        }
        return uriEncode(removeDotSegments(rawPath).getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * The canonical query string of a raw query (without {@code ?}): each parameter decoded and
     * re-encoded, a parameter without {@code =} given an empty value, sorted by name then value.
     */
    public static String canonicalQuery(@Nullable String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> params = new ArrayList<>();
        for (String piece : rawQuery.split("&")) {
            if (piece.isEmpty()) {
                continue;
            }
            int eq = piece.indexOf('=');
            String name = eq < 0 ? piece : piece.substring(0, eq);
            String value = eq < 0 ? "" : piece.substring(eq + 1);
            params.add(new String[] {uriEncode(percentDecode(name), false), uriEncode(percentDecode(value), false)});
        }
        params.sort((a, b) -> {
            int c = a[0].compareTo(b[0]);
            return c != 0 ? c : a[1].compareTo(b[1]);
        });
        StringBuilder sb = new StringBuilder();
        for (String[] p : params) {
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(p[0]).append('=').append(p[1]);
        }
        return sb.toString();
    }

    /** Percent-encodes every byte but {@code A-Z a-z 0-9 - _ . ~} (and {@code /} when asked). */
    public static String uriEncode(byte[] bytes, boolean keepSlash) {
        StringBuilder sb = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')) {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX_UPPER[c >> 4]).append(HEX_UPPER[c & 0xf]);
            }
        }
        return sb.toString();
    }

    /** Decodes {@code %XX} escapes into bytes (UTF-8 for the rest); a malformed escape stays literal. */
    public static byte[] percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < raw.length; i++) {
            byte b = raw[i];
            if (b == '%' && i + 2 < raw.length && Character.digit(raw[i + 1], 16) >= 0
                    && Character.digit(raw[i + 2], 16) >= 0) {
                out.write(Character.digit(raw[i + 1], 16) * 16 + Character.digit(raw[i + 2], 16));
                i += 2;
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /** RFC 3986 dot-segment removal that also drops empty segments (as the AWS SDKs normalize). */
    static String removeDotSegments(String path) {
        List<String> out = new ArrayList<>();
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (!out.isEmpty()) {
                    out.removeLast();
                }
            } else {
                out.add(seg);
            }
        }
        String first = path.startsWith("/") ? "/" : "";
        String last = path.endsWith("/") && !out.isEmpty() ? "/" : "";
        return first + String.join("/", out) + last;
    }
}
