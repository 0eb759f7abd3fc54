package dev.keyway.core.crypto;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * User password hashing with Argon2id, stored in the PHC string format
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}) so parameters can be raised later and old
 * hashes still verify. The defaults are the OWASP minimum (19 MiB, 2 passes, about 0.1 s), a
 * balance between login latency and brute-force cost; the master key uses stronger parameters.
 */
public final class PasswordHashes {
    public static final int MEMORY_KIB = 19_456;
    public static final int ITERATIONS = 2;
    public static final int MIN_LENGTH = 12;
    private static final Pattern PHC = Pattern.compile(
            "^\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,2}),p=(\\d{1,2})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)$");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();

    private PasswordHashes() {}

    /** Hashes a password; the caller keeps and wipes {@code password}. */
    public static String hash(char[] password) {
        if (password.length < MIN_LENGTH) {
            throw new KeyMaterialException("password must have at least " + MIN_LENGTH + " characters");
        }
        byte[] salt = Randomness.bytes(16);
        byte[] out = derive(password, salt, MEMORY_KIB, ITERATIONS, 1, 32);
        try {
            return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=1$" + B64.encodeToString(salt) + "$"
                    + B64.encodeToString(out);
        } finally {
            Arrays.fill(out, (byte) 0);
        }
    }

    /** True if {@code password} matches {@code encoded}; false for a wrong password or a malformed hash. */
    public static boolean verify(char[] password, String encoded) {
        Matcher m = PHC.matcher(encoded);
        if (!m.matches() || password.length == 0) {
            return false;
        }
        int mem = Integer.parseInt(m.group(1));
        int t = Integer.parseInt(m.group(2));
        int p = Integer.parseInt(m.group(3));
        if (mem < 8 * p || t < 1 || p < 1 || mem > 4 * 1024 * 1024) {
            return false;
        }
        byte[] salt = Base64.getDecoder().decode(m.group(4));
        byte[] expected = Base64.getDecoder().decode(m.group(5));
        byte[] actual = derive(password, salt, mem, t, p, expected.length);
        try {
            return MessageDigest.isEqual(expected, actual);
        } finally {
            Arrays.fill(actual, (byte) 0);
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int memKiB, int iterations, int parallelism, int len) {
        byte[] pw = MasterKeys.utf8(password);
        byte[] out = new byte[len];
        Argon2Parameters.Builder b = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memKiB)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt);
        try {
            Argon2BytesGenerator g = new Argon2BytesGenerator();
            g.init(b.build());
            g.generateBytes(pw, out);
            return out;
        } finally {
            Arrays.fill(pw, (byte) 0);
            b.clear();
        }
    }
}
