package dev.keyway.core.aws;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Signs an HTTP request with AWS Signature Version 4 (header authentication). Used twice in
 * Keyway: by the server to call STS with its host credentials, and by the proxy to re-sign an
 * agent's placeholder-signed request with an assumed role's credentials, over exactly the headers
 * and body that are forwarded.
 *
 * <p>{@link #sign} replaces any {@code Authorization}, {@code X-Amz-Date} and
 * {@code X-Amz-Security-Token} in the input (the agent's dummy values), adds fresh ones, and
 * returns the complete header list to send. Which of the other headers are signed is a choice:
 * {@link #ALL_HEADERS} (as the AWS test suite does) or {@link #STABLE_HEADERS} (what a proxy can
 * promise to deliver unchanged: {@code host}, {@code content-type}, {@code content-md5},
 * {@code content-encoding} and every {@code x-amz-*}).
 */
public final class SigV4Signer {
    /** Sign every header given. */
    public static final Predicate<String> ALL_HEADERS = n -> true;

    /** Headers a proxy forwards byte-for-byte; framing and hop-by-hop headers are left unsigned. */
    public static final Predicate<String> STABLE_HEADERS = n -> n.equals("host") || n.startsWith("x-amz-")
            || n.equals("content-type") || n.equals("content-md5") || n.equals("content-encoding");

    private static final Set<String> REPLACED = Set.of("authorization", "x-amz-date", "x-amz-security-token");

    private SigV4Signer() {}

    /** One header field. */
    public record Header(String name, String value) {
        @Override
        public String toString() {
            return name + ": <" + value.length() + " chars>";
        }
    }

    /**
     * What is signed.
     *
     * @param pathAndQuery the raw origin-form target as sent on the wire
     * @param headers the headers as they will be sent, including {@code Host}
     * @param payloadHash hex SHA-256 of the body, or {@link SigV4#UNSIGNED_PAYLOAD} or a
     *     {@code STREAMING-*} value
     */
    public record Request(String method, String pathAndQuery, List<Header> headers, String payloadHash) {
        public Request {
            headers = List.copyOf(headers);
        }

        public String path() {
            int q = pathAndQuery.indexOf('?');
            return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        }

        public @Nullable String query() {
            int q = pathAndQuery.indexOf('?');
            return q < 0 ? null : pathAndQuery.substring(q + 1);
        }
    }

    /**
     * The result: the headers to send (input headers minus the replaced ones, plus
     * {@code X-Amz-Date}, {@code X-Amz-Security-Token} when the credentials have a session token,
     * and {@code Authorization}), and what a streaming-payload signer chains from.
     */
    public record Signed(List<Header> headers, String signature, String amzDate, String scope, String canonicalRequest) {
        public Signed {
            headers = List.copyOf(headers);
        }

        /** The Authorization header's value. */
        public String authorization() {
            for (Header h : headers) {
                if (h.name().equalsIgnoreCase("authorization")) {
                    return h.value();
                }
            }
            throw new IllegalStateException("no authorization header");
        }

        @Override
        public String toString() {
            return "Signed[" + scope + "]";
        }
    }

    /**
     * Signs {@code r} for {@code region}/{@code service} at {@code time}.
     *
     * @param signHeader which lower-case header names are signed ({@code host} and
     *     {@code x-amz-*} always are)
     */
    public static Signed sign(Request r, AwsCredentials c, String region, String service, Instant time,
            Predicate<String> signHeader) {
        String amzDate = SigV4.amzDate(time);
        String date = amzDate.substring(0, 8);
        List<Header> out = new ArrayList<>(r.headers().size() + 3);
        for (Header h : r.headers()) {
            if (!REPLACED.contains(h.name().toLowerCase(Locale.ROOT))) {
                out.add(h);
            }
        }
        out.add(new Header("X-Amz-Date", amzDate));
        if (c.sessionToken() != null) {
            out.add(new Header("X-Amz-Security-Token", c.sessionToken()));
        }
        Computed k = compute(r.method(), r.path(), r.query(), out, r.payloadHash(), c.secretAccessKey(), region, service,
                amzDate, n -> n.equals("host") || n.startsWith("x-amz-") || signHeader.test(n));
        String signature = k.signature();
        String signedHeaders = k.signedHeaders();
        String scope = SigV4.scope(date, region, service);
        String canonicalRequest = k.canonicalRequest();
        out.add(new Header("Authorization", SigV4.ALGORITHM + " Credential=" + c.accessKeyId() + "/" + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature));
        return new Signed(out, signature, amzDate, scope, canonicalRequest);
    }

    /** The outcome of the core computation. */
    record Computed(String signature, String signedHeaders, String canonicalRequest) {}

    /** Canonical request → string to sign → signature, over the headers {@code include} selects. */
    static Computed compute(String method, String path, @Nullable String query, List<Header> headers, String payloadHash,
            String secret, String region, String service, String amzDate, Predicate<String> include) {
        Map<String, List<String>> canonical = new TreeMap<>();
        for (Header h : headers) {
            String n = h.name().toLowerCase(Locale.ROOT);
            if (include.test(n)) {
                canonical.computeIfAbsent(n, x -> new ArrayList<>()).add(trimAll(h.value()));
            }
        }
        if (!canonical.containsKey("host")) {
            throw new IllegalArgumentException("a SigV4 request must have a Host header");
        }
        StringBuilder ch = new StringBuilder();
        for (Map.Entry<String, List<String>> e : canonical.entrySet()) {
            ch.append(e.getKey()).append(':').append(String.join(",", e.getValue())).append('\n');
        }
        String signedHeaders = String.join(";", canonical.keySet());
        String canonicalRequest = method.toUpperCase(Locale.ROOT) + '\n'
                + SigV4.canonicalPath(path, service.equals("s3")) + '\n'
                + SigV4.canonicalQuery(query) + '\n'
                + ch + '\n'
                + signedHeaders + '\n'
                + payloadHash;
        String date = amzDate.substring(0, 8);
        String stringToSign = SigV4.ALGORITHM + '\n' + amzDate + '\n' + SigV4.scope(date, region, service) + '\n'
                + SigV4.sha256Hex(canonicalRequest);
        byte[] key = SigV4.signingKey(secret, date, region, service);
        try {
            return new Computed(SigV4.hex(SigV4.hmac(key, stringToSign)), signedHeaders, canonicalRequest);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** Trims and collapses runs of spaces into one, as the canonical header form requires. */
    static String trimAll(String v) {
        String t = v.strip();
        if (t.indexOf("  ") < 0) {
            return t;
        }
        StringBuilder sb = new StringBuilder(t.length());
        boolean space = false;
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            if (ch == ' ') {
                if (!space) {
                    sb.append(ch);
                }
                space = true;
            } else {
                sb.append(ch);
                space = false;
            }
        }
        return sb.toString();
    }
}
