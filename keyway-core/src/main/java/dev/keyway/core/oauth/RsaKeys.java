package dev.keyway.core.oauth;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Reads an RSA private key from PEM: PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}, what GitHub hands out for a GitHub App), the latter wrapped into a
 * PKCS#8 {@code PrivateKeyInfo} (RFC 5208 §5: version 0, the rsaEncryption algorithm identifier,
 * the PKCS#1 key as an OCTET STRING) so the JDK can load it without another library.
 */
public final class RsaKeys {
    /** DER of {@code INTEGER 0} and {@code AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }}. */
    private static final byte[] VERSION_AND_ALGORITHM = {
        0x02, 0x01, 0x00,
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private RsaKeys() {}

    /** The key, or {@link IllegalArgumentException} saying what is wrong (never the key's bytes). */
    public static RSAPrivateKey parsePrivateKey(String pem) {
        boolean pkcs1 = pem.contains("-----BEGIN RSA PRIVATE KEY-----");
        if (!pkcs1 && !pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException("not a PEM RSA private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)");
        }
        String b64 = pem.replaceAll("-----(BEGIN|END) (RSA )?PRIVATE KEY-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PEM body is not base64");
        }
        byte[] pkcs8 = pkcs1 ? wrap(der) : der;
        try {
            PrivateKey k = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            if (!(k instanceof RSAPrivateKey rsa) || rsa.getModulus().bitLength() < 2048) {
                throw new IllegalArgumentException("the RSA key must have at least 2048 bits");
            }
            return rsa;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the PEM does not hold a valid RSA private key");
        } finally {
            Arrays.fill(der, (byte) 0);
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    /** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo. */
    static byte[] wrap(byte[] pkcs1) {
        ByteArrayOutputStream content = new ByteArrayOutputStream(pkcs1.length + 32);
        content.writeBytes(VERSION_AND_ALGORITHM);
        content.write(0x04);
        length(content, pkcs1.length);
        content.writeBytes(pkcs1);
        byte[] c = content.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(c.length + 4);
        out.write(0x30);
        length(out, c.length);
        out.writeBytes(c);
        Arrays.fill(c, (byte) 0);
        return out.toByteArray();
    }

    /** DER definite length: short form below 128, else 0x80|n followed by n big-endian bytes. */
    private static void length(ByteArrayOutputStream out, int len) {
        if (len < 0x80) {
            out.write(len);
            return;
        }
        int n = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
        out.write(0x80 | n);
        for (int i = n - 1; i >= 0; i--) {
            out.write(len >>> (8 * i));
        }
    }
}
