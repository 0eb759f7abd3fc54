package dev.keyway.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Bearer tokens and random identifiers.
 *
 * <p>A token is a recognisable prefix naming its kind plus 256 random bits in base64url, e.g.
 * {@code kw_agt_} followed by 43 characters. The prefix lets secret scanners and humans spot a
 * leaked Keyway token and lets error messages say "this is a session token, not an agent token".
 * Keyway stores only {@link #hash(String)} of a token: with 256 bits of entropy a plain SHA-256 is
 * enough (no salt or slow hash needed), and lookups compare hashes with
 * {@link #constantTimeEquals}.
 *
 * <p>Ids ({@link #newId}, {@link #newAccessor()}) are not secrets: they appear in URLs, logs and
 * audit records. They are random so they are unique without coordination and do not reveal counts
 * or creation order.
 */
public final class Tokens {
    /** Admin API token. */
    public static final String ADMIN_PREFIX = "kw_adm_";
    /** Web-console session token. */
    public static final String SESSION_PREFIX = "kw_ses_";
    /** Agent proxy credential. */
    public static final String AGENT_PREFIX = "kw_agt_";
    /** General API token. */
    public static final String TOKEN_PREFIX = "kw_tok_";
    /** One-time approval token. */
    public static final String APPROVAL_PREFIX = "kw_apr_";
    /** Every token prefix Keyway issues. */
    public static final List<String> PREFIXES =
            List.of(ADMIN_PREFIX, SESSION_PREFIX, AGENT_PREFIX, TOKEN_PREFIX, APPROVAL_PREFIX);

    /** Random bytes in a token. */
    public static final int TOKEN_BYTES = 32;
    /** Characters after the prefix: 32 bytes in base64url without padding. */
    public static final int TOKEN_BODY_LENGTH = 43;
    /** Random characters in an id from {@link #newId}: 100 bits. */
    public static final int ID_LENGTH = 20;
    /** Random characters in an accessor: 120 bits. */
    public static final int ACCESSOR_LENGTH = 24;
    /** Prefix of accessors: public handles for a token (to list or revoke it without knowing it). */
    public static final String ACCESSOR_PREFIX = "acc_";

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*_");
    private static final Pattern TOKEN_BODY = Pattern.compile("[A-Za-z0-9_-]{" + TOKEN_BODY_LENGTH + "}");
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private Tokens() {}

    /**
     * Returns a new token: {@code prefix} plus 43 base64url characters of 32 random bytes.
     *
     * @param prefix one of {@link #PREFIXES} or another lower-case prefix ending in {@code _}
     */
    public static String newToken(String prefix) {
        checkPrefix(prefix);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(Randomness.bytes(TOKEN_BYTES));
    }

    /** SHA-256 of the token's UTF-8 bytes: what Keyway stores and looks tokens up by. */
    public static byte[] hash(String token) {
        Objects.requireNonNull(token, "token");
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new CryptoException("SHA-256 is unavailable in this Java runtime", e);
        }
    }

    /** Compares two byte arrays (e.g. token hashes) in time independent of where they first differ. */
    public static boolean constantTimeEquals(byte[] a, byte[] b) {
        return MessageDigest.isEqual(Objects.requireNonNull(a, "a"), Objects.requireNonNull(b, "b"));
    }

    /**
     * Returns a new random id: {@code prefix} plus 20 lower-case base32 characters (100 bits), e.g.
     * {@code tok_k3x...}.
     *
     * @param prefix lower-case letters and digits ending in {@code _}, e.g. {@code tok_}
     */
    public static String newId(String prefix) {
        checkPrefix(prefix);
        return prefix + randomBase32(ID_LENGTH);
    }

    /** Returns a new token accessor: {@code acc_} plus 24 lower-case base32 characters (120 bits). */
    public static String newAccessor() {
        return ACCESSOR_PREFIX + randomBase32(ACCESSOR_LENGTH);
    }

    /**
     * Whether {@code s} has the shape of a Keyway token (a known prefix, then exactly 43 base64url
     * characters). Says nothing about validity; used to give clear errors for pasted garbage or a
     * token of the wrong kind.
     */
    public static boolean looksLikeToken(@Nullable String s) {
        if (s == null) {
            return false;
        }
        for (String prefix : PREFIXES) {
            if (s.startsWith(prefix)) {
                return looksLikeToken(s, prefix);
            }
        }
        return false;
    }

    /** Whether {@code s} has the shape of a token with exactly this prefix. */
    public static boolean looksLikeToken(@Nullable String s, String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return s != null
                && s.length() == prefix.length() + TOKEN_BODY_LENGTH
                && s.startsWith(prefix)
                && TOKEN_BODY.matcher(s).region(prefix.length(), s.length()).matches();
    }

    private static void checkPrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.length() > 16 || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("invalid prefix '" + prefix
                    + "': use lower-case letters and digits ending in '_', at most 16 characters");
        }
    }

    private static String randomBase32(int length) {
        byte[] random = Randomness.bytes(length);
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = BASE32[random[i] & 0x1f]; // 256 is a multiple of 32: no bias
        }
        return new String(out);
    }
}
