package dev.keyway.core.aws;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The parts of a SigV4 {@code Authorization} header:
 * {@code AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws4_request,
 * SignedHeaders=host;x-amz-date, Signature=hex}. In sign mode the proxy reads the credential
 * scope of the agent's placeholder signature to learn which region and service the SDK signed for
 * (the host name alone is ambiguous for VPC endpoints, S3-compatible stores and
 * {@code --endpoint-url}).
 *
 * @param signedHeaders lower-case names, in the header's order
 */
public record AwsAuthorization(String accessKeyId, String date, String region, String service,
        List<String> signedHeaders, String signature) {
    public AwsAuthorization {
        signedHeaders = List.copyOf(signedHeaders);
    }

    /** The scope string {@code DATE/REGION/SERVICE/aws4_request}. */
    public String scope() {
        return SigV4.scope(date, region, service);
    }

    /** Parses the header value; null when it is not a well-formed SigV4 header authorization. */
    public static @Nullable AwsAuthorization parse(@Nullable String header) {
        if (header == null) {
            return null;
        }
        String h = header.strip();
        if (!h.startsWith(SigV4.ALGORITHM + " ")) {
            return null;
        }
        String credential = null;
        String signed = null;
        String signature = null;
        for (String part : h.substring(SigV4.ALGORITHM.length() + 1).split(",")) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = p.substring(0, eq).strip();
            String v = p.substring(eq + 1).strip();
            switch (k) {
                case "Credential" -> credential = v;
                case "SignedHeaders" -> signed = v;
                case "Signature" -> signature = v;
                default -> { }
            }
        }
        if (credential == null || signed == null || signature == null) {
            return null;
        }
        return fromCredential(credential, signed, signature);
    }

    /**
     * Parses a credential {@code AKID/DATE/REGION/SERVICE/aws4_request} (as in the header, or the
     * {@code X-Amz-Credential} query parameter of a presigned URL, decoded).
     */
    public static @Nullable AwsAuthorization fromCredential(String credential, String signedHeaders, String signature) {
        String[] c = credential.split("/", -1);
        if (c.length != 5 || !c[4].equals(SigV4.TERMINATOR) || c[0].isEmpty() || c[2].isEmpty() || c[3].isEmpty()
                || c[1].length() != 8 || !c[1].chars().allMatch(Character::isDigit)) {
            return null;
        }
        for (String s : List.of(c[2], c[3])) {
            if (!s.chars().allMatch(ch -> (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'
                    || (ch >= 'A' && ch <= 'Z'))) {
                return null;
            }
        }
        List<String> names = signedHeaders.isEmpty() ? List.of()
                : List.of(signedHeaders.toLowerCase(Locale.ROOT).split(";"));
        return new AwsAuthorization(c[0], c[1], c[2], c[3], names, signature);
    }
}
