package dev.keyway.core.sign;

import dev.keyway.core.oauth.RsaKeys;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Reads the private key of a {@code jwt} injection from a PEM credential: PKCS#8
 * ({@code BEGIN PRIVATE KEY}) for every algorithm, plus the forms providers hand out — SEC1
 * ({@code BEGIN EC PRIVATE KEY}, Coinbase CDP keys) for ES256 and PKCS#1 ({@code BEGIN RSA PRIVATE
 * KEY}) for RS256 — wrapped into PKCS#8 so the JDK loads them without another library. A PEM pasted
 * from a JSON file with literal {@code \n} sequences is accepted too. Errors never contain key bytes.
 */
public final class PrivateKeys {
    /** DER of {@code INTEGER 0, AlgorithmIdentifier { id-ecPublicKey, prime256v1 }} (RFC 5915, RFC 5480). */
    private static final byte[] EC_P256_VERSION_AND_ALGORITHM = {
        0x02, 0x01, 0x00,
        0x30, 0x13, 0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01,
        0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};

    private PrivateKeys() {}

    /**
     * The key for {@code algorithm}.
     *
     * @throws IllegalArgumentException saying what is wrong (never the key's bytes)
     */
    public static PrivateKey parse(String pemText, Jwts.Algorithm algorithm) {
        String pem = pemText.replace("\\n", "\n").strip();
        return switch (algorithm) {
            case RS256 -> RsaKeys.parsePrivateKey(pem);
            case ES256 -> ec(pem);
            case EDDSA -> {
                byte[] der = body(pem, "PRIVATE KEY", "an Ed25519 key needs BEGIN PRIVATE KEY (PKCS#8)");
                yield load("Ed25519", der, "the PEM does not hold an Ed25519 private key");
            }
        };
    }

    private static PrivateKey ec(String pem) {
        boolean sec1 = pem.contains("-----BEGIN EC PRIVATE KEY-----");
        byte[] der = body(pem, sec1 ? "EC PRIVATE KEY" : "PRIVATE KEY",
                "an ES256 key needs BEGIN EC PRIVATE KEY (SEC1) or BEGIN PRIVATE KEY (PKCS#8)");
        byte[] pkcs8 = sec1 ? wrap(der) : der;
        try {
            PrivateKey k = load("EC", pkcs8, "the PEM does not hold an EC private key");
            if (!(k instanceof ECPrivateKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("ES256 needs a P-256 key");
            }
            return k;
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    private static PrivateKey load(String algorithm, byte[] pkcs8, String error) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(error);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    private static byte[] body(String pem, String label, String error) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf(end);
        if (b < 0 || e < b) {
            throw new IllegalArgumentException(error);
        }
        String b64 = pem.substring(b + begin.length(), e).replaceAll("\\s", "");
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException x) {
            throw new IllegalArgumentException("the PEM body is not base64");
        }
    }

    /** SEC1 ECPrivateKey (P-256) → PKCS#8 PrivateKeyInfo. */
    static byte[] wrap(byte[] sec1) {
        ByteArrayOutputStream content = new ByteArrayOutputStream(sec1.length + 32);
        content.writeBytes(EC_P256_VERSION_AND_ALGORITHM);
        content.write(0x04);
        length(content, sec1.length);
        content.writeBytes(sec1);
        byte[] c = content.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(c.length + 4);
        out.write(0x30);
        length(out, c.length);
        out.writeBytes(c);
        Arrays.fill(c, (byte) 0);
        Arrays.fill(sec1, (byte) 0);
        return out.toByteArray();
    }

    private static void length(ByteArrayOutputStream out, int len) {
        if (len < 0x80) {
            out.write(len);
            return;
        }
        int n = len > 0xffff ? 3 : len > 0xff ? 2 : 1;
        out.write(0x80 | n);
        for (int i = n - 1; i >= 0; i--) {
            out.write(len >>> (8 * i));
        }
    }
}
