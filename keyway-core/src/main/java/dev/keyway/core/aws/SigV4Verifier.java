package dev.keyway.core.aws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The receiving side of SigV4: recomputes a request's signature over the headers it says it
 * signed, as an AWS endpoint does. Keyway's fake STS and S3 endpoints (tests) use it to prove that
 * what leaves the proxy carries a valid signature from the assumed-role key, and that a
 * placeholder-signed request would have been refused.
 */
public final class SigV4Verifier {
    private SigV4Verifier() {}

    /** Why a request was accepted or refused (never contains key material). */
    public sealed interface Result {
        /** The signature is valid; {@code auth} names the key, region and service it was made for. */
        record Valid(AwsAuthorization auth) implements Result {}

        /** {@code code} is the AWS error code a real endpoint would send. */
        record Invalid(String code, String message) implements Result {}
    }

    /**
     * Verifies {@code r} (whose payload hash is the request's {@code x-amz-content-sha256}, or the
     * body's SHA-256 computed by the caller).
     *
     * @param secretOf the secret key of an access key id, or null for an unknown key
     */
    public static Result verify(SigV4Signer.Request r, Function<String, @Nullable String> secretOf) {
        String header = header(r, "authorization");
        AwsAuthorization auth = AwsAuthorization.parse(header);
        if (auth == null) {
            return new Result.Invalid("MissingAuthenticationToken", "no SigV4 Authorization header");
        }
        String secret = secretOf.apply(auth.accessKeyId());
        if (secret == null) {
            return new Result.Invalid("InvalidClientTokenId", "the access key id " + auth.accessKeyId() + " is unknown");
        }
        String amzDate = header(r, "x-amz-date");
        if (amzDate == null || amzDate.length() != 16 || !amzDate.startsWith(auth.date())) {
            return new Result.Invalid("IncompleteSignature", "X-Amz-Date is missing or does not match the credential scope");
        }
        Set<String> signed = new HashSet<>(auth.signedHeaders());
        if (!signed.contains("host")) {
            return new Result.Invalid("IncompleteSignature", "the host header is not signed");
        }
        for (SigV4Signer.Header h : r.headers()) {
            String n = h.name().toLowerCase(java.util.Locale.ROOT);
            if (n.startsWith("x-amz-") && !signed.contains(n)) {
                return new Result.Invalid("AccessDenied", "header " + n + " is present but not signed");
            }
        }
        SigV4Signer.Computed c = SigV4Signer.compute(r.method(), r.path(), r.query(), r.headers(), r.payloadHash(), secret,
                auth.region(), auth.service(), amzDate, signed::contains);
        boolean ok = MessageDigest.isEqual(c.signature().getBytes(StandardCharsets.US_ASCII),
                auth.signature().getBytes(StandardCharsets.US_ASCII));
        return ok ? new Result.Valid(auth) : new Result.Invalid("SignatureDoesNotMatch",
                "the request signature does not match the signature computed with the key " + auth.accessKeyId());
    }

    private static @Nullable String header(SigV4Signer.Request r, String name) {
        for (SigV4Signer.Header h : r.headers()) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }
}
