package dev.keyway.core.crypto;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a master password was stretched into the master key: Argon2id cost parameters plus the salt.
 *
 * <p>Stored next to the data (not secret) so the same key can be derived at every start-up, and so
 * the costs can be raised later without breaking existing installations. The compact text form is
 * {@code argon2id$v=19$m=65536,t=3,p=1$<salt, base64 without padding>}.
 *
 * <p>Every instance satisfies a floor ({@value #MIN_MEMORY_KIB} KiB, {@value #MIN_ITERATIONS}
 * passes: the OWASP minimum for Argon2id) so a tampered or hand-edited header cannot silently weaken
 * the derivation, and a ceiling so it cannot make start-up allocate absurd amounts of memory.
 * Defaults are RFC 9106's second recommended option (64 MiB, 3 passes) with one lane, because
 * BouncyCastle computes lanes sequentially and more lanes only cost time.
 *
 * @param algorithm always {@value #ALGORITHM}
 * @param version Argon2 version, always {@value #ARGON2_VERSION} (0x13)
 * @param memoryKiB memory cost in KiB
 * @param iterations number of passes over memory
 * @param parallelism number of lanes
 * @param salt 16 to 64 random bytes, unique per installation (copied in and out)
 */
public record KdfParams(
        String algorithm, int version, int memoryKiB, int iterations, int parallelism, byte[] salt) {

    public static final String ALGORITHM = "argon2id";
    public static final int ARGON2_VERSION = 19;
    public static final int DEFAULT_MEMORY_KIB = 65_536;
    public static final int DEFAULT_ITERATIONS = 3;
    public static final int DEFAULT_PARALLELISM = 1;
    public static final int SALT_LENGTH = 16;
    public static final int MIN_MEMORY_KIB = 19_456;
    public static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;
    public static final int MIN_ITERATIONS = 2;
    public static final int MAX_ITERATIONS = 64;
    public static final int MAX_PARALLELISM = 16;
    public static final int MIN_SALT_LENGTH = 16;
    public static final int MAX_SALT_LENGTH = 64;

    /** Longest decimal number accepted while decoding; longer ones are rejected before parsing. */
    private static final int MAX_DIGITS = 9;

    /**
     * Validates all parameters.
     *
     * @throws KeyMaterialException if a parameter is unsupported, below the floor or above the ceiling
     */
    public KdfParams {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(salt, "salt");
        if (!ALGORITHM.equals(algorithm)) {
            throw new KeyMaterialException("unsupported KDF algorithm '" + algorithm + "' (only "
                    + ALGORITHM + " is supported)");
        }
        if (version != ARGON2_VERSION) {
            throw new KeyMaterialException("unsupported Argon2 version " + version + " (only "
                    + ARGON2_VERSION + " is supported)");
        }
        requireRange("memory (m, KiB)", memoryKiB, MIN_MEMORY_KIB, MAX_MEMORY_KIB);
        requireRange("iterations (t)", iterations, MIN_ITERATIONS, MAX_ITERATIONS);
        requireRange("parallelism (p)", parallelism, 1, MAX_PARALLELISM);
        requireRange("salt length (bytes)", salt.length, MIN_SALT_LENGTH, MAX_SALT_LENGTH);
        salt = salt.clone();
    }

    /** Recommended parameters with a fresh random salt: what a new installation should use. */
    public static KdfParams defaults() {
        return withRandomSalt(DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM);
    }

    /** Custom costs (e.g. from configuration) with a fresh random salt. */
    public static KdfParams withRandomSalt(int memoryKiB, int iterations, int parallelism) {
        return new KdfParams(ALGORITHM, ARGON2_VERSION, memoryKiB, iterations, parallelism,
                Randomness.bytes(SALT_LENGTH));
    }

    /** A copy of the salt. */
    @Override
    public byte[] salt() {
        return salt.clone();
    }

    /** The compact text form, e.g. {@code argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA}. */
    public String encode() {
        return algorithm + "$v=" + version + "$m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism
                + "$" + Base64.getEncoder().withoutPadding().encodeToString(salt);
    }

    /**
     * Parses the form produced by {@link #encode()}.
     *
     * @throws KeyMaterialException naming the problem if the text is malformed, uses another
     *     algorithm or version, or has parameters outside the accepted range
     */
    public static KdfParams decode(String encoded) {
        Objects.requireNonNull(encoded, "encoded");
        String[] parts = encoded.split("\\$", -1);
        if (parts.length != 4) {
            throw malformed("expected 4 '$'-separated parts "
                    + "(argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<base64 salt>), found " + parts.length);
        }
        if (!ALGORITHM.equals(parts[0])) {
            throw malformed("unsupported algorithm '" + printable(parts[0]) + "' (only " + ALGORITHM
                    + " is supported)");
        }
        int version = number("v", single(parts[1], "v"));
        String[] costs = parts[2].split(",", -1);
        if (costs.length != 3) {
            throw malformed("expected cost parameters 'm=<KiB>,t=<passes>,p=<lanes>'");
        }
        int memory = number("m", single(costs[0], "m"));
        int iterations = number("t", single(costs[1], "t"));
        int parallelism = number("p", single(costs[2], "p"));
        byte[] salt;
        try {
            salt = Base64.getDecoder().decode(parts[3]);
        } catch (IllegalArgumentException e) {
            throw malformed("salt is not valid base64");
        }
        try {
            return new KdfParams(parts[0], version, memory, iterations, parallelism, salt);
        } catch (KeyMaterialException e) {
            throw malformed(java.util.Objects.requireNonNullElse(e.getMessage(), "invalid parameters"));
        }
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof KdfParams p
                && algorithm.equals(p.algorithm)
                && version == p.version
                && memoryKiB == p.memoryKiB
                && iterations == p.iterations
                && parallelism == p.parallelism
                && Arrays.equals(salt, p.salt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(algorithm, version, memoryKiB, iterations, parallelism, Arrays.hashCode(salt));
    }

    /** The encoded form; the salt is not secret. */
    @Override
    public String toString() {
        return "KdfParams[" + encode() + "]";
    }

    private static void requireRange(String what, int value, int min, int max) {
        if (value < min || value > max) {
            throw new KeyMaterialException("Argon2 " + what + " must be between " + min + " and " + max
                    + ", got " + value);
        }
    }

    /** Returns the value of a {@code key=value} field, insisting on the expected key. */
    private static String single(String field, String key) {
        String prefix = key + "=";
        if (!field.startsWith(prefix)) {
            throw malformed("expected '" + prefix + "...' but found '" + printable(field) + "'");
        }
        return field.substring(prefix.length());
    }

    private static int number(String key, String digits) {
        if (digits.isEmpty() || digits.length() > MAX_DIGITS || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw malformed("'" + key + "' must be a decimal number of at most " + MAX_DIGITS
                    + " digits, found '" + printable(digits) + "'");
        }
        return Integer.parseInt(digits);
    }

    private static KeyMaterialException malformed(String why) {
        return new KeyMaterialException("invalid KDF parameters: " + why);
    }

    /** Echoes a short, sanitised fragment of untrusted input into an error message. */
    private static String printable(String s) {
        String cut = s.length() > 32 ? s.substring(0, 32) + "..." : s;
        StringBuilder b = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return b.toString();
    }
}
