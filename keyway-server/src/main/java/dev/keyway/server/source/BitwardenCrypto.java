package dev.keyway.server.source;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client-side cryptography of Bitwarden Secrets Manager, as the official SDK does it
 * ({@code bitwarden-core} {@code auth/access_token.rs}, {@code bitwarden-crypto}
 * {@code keys/shareable_key.rs} and {@code enc_string/symmetric.rs}): parsing a machine-account
 * access token, deriving its encryption key, and decrypting type-2 EncStrings. Pure functions on
 * byte arrays, table-tested with the SDK's published vectors ({@code BitwardenCryptoTest}).
 *
 * <p>Why client-side: Bitwarden's server only ever holds ciphertext. The organization key travels
 * encrypted (the identity server's {@code encrypted_payload}) under a key derived from the access
 * token's last part, which the server never sees; each secret's {@code value} is encrypted under the
 * organization key. Only the MAC-authenticated type 2 (AES-256-CBC + HMAC-SHA256) is accepted:
 * type 0 (no MAC) would allow a padding-oracle downgrade, and the SDK refuses it too.
 */
final class BitwardenCrypto {
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private BitwardenCrypto() {}

    /** Why a token, key or EncString cannot be used; the message never contains key material. */
    static final class CryptoFailure extends Exception {
        CryptoFailure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * An AES-256-CBC + HMAC-SHA256 key: 32 bytes of encryption key, 32 of MAC key (the layout the SDK
     * stores and the server sends, {@code enc || mac}). {@code toString} hides both.
     */
    record Key(byte[] enc, byte[] mac) {
        Key {
            if (enc.length != 32 || mac.length != 32) {
                throw new IllegalArgumentException("an AES-256-CBC-HMAC key is 32 + 32 bytes");
            }
        }

        /** From the 64-byte {@code enc || mac} form; only that form (the SDK's Aes256CbcHmacKey) is accepted. */
        static Key of64(byte[] b) throws CryptoFailure {
            if (b.length != 64) {
                throw new CryptoFailure("the key is " + b.length + " bytes; expected a 64-byte AES-256-CBC-HMAC key");
            }
            return new Key(Arrays.copyOfRange(b, 0, 32), Arrays.copyOfRange(b, 32, 64));
        }

        void wipe() {
            Arrays.fill(enc, (byte) 0);
            Arrays.fill(mac, (byte) 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && MessageDigest.isEqual(enc, k.enc) && MessageDigest.isEqual(mac, k.mac);
        }

        @Override
        public int hashCode() {
            return 1;
        }

        @Override
        public String toString() {
            return "Key[]";
        }
    }

    /**
     * A parsed machine-account access token {@code 0.<access token id>.<client secret>:<base64 16-byte key>};
     * {@code toString} shows the id only.
     */
    record AccessToken(String id, String clientSecret, Key encryptionKey) {
        static AccessToken parse(String token) throws CryptoFailure {
            int colon = token.indexOf(':');
            if (colon < 0) {
                throw new CryptoFailure("the access token has no encryption key (expected 0.ID.SECRET:KEY)");
            }
            String[] parts = token.substring(0, colon).split("\\.", -1);
            if (parts.length != 3) {
                throw new CryptoFailure("the access token has the wrong number of parts (expected 0.ID.SECRET:KEY)");
            }
            if (!"0".equals(parts[0])) {
                throw new CryptoFailure("the access token's version is not 0");
            }
            if (!UUID.matcher(parts[1]).matches()) {
                throw new CryptoFailure("the access token's id is not a UUID");
            }
            if (parts[2].isEmpty() || parts[2].chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
                throw new CryptoFailure("the access token's client secret is empty or not printable");
            }
            byte[] secret;
            try {
                String b64 = token.substring(colon + 1);
                secret = Base64.getDecoder().decode(b64.length() % 4 == 0 ? b64 : b64 + "=".repeat(4 - b64.length() % 4));
            } catch (IllegalArgumentException e) {
                throw new CryptoFailure("the access token's encryption key is not base64");
            }
            if (secret.length != 16) {
                Arrays.fill(secret, (byte) 0);
                throw new CryptoFailure("the access token's encryption key is not 16 bytes");
            }
            try {
                return new AccessToken(parts[1].toLowerCase(java.util.Locale.ROOT), parts[2],
                        shareableKey(secret, "accesstoken", "sm-access-token"));
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }

        @Override
        public String toString() {
            return "AccessToken[" + id + "]";
        }
    }

    /**
     * The SDK's {@code derive_shareable_key}: PRK = HMAC-SHA256(key = "bitwarden-" + name, secret),
     * then HKDF-Expand(PRK, info, 64) split into encryption and MAC keys.
     */
    static Key shareableKey(byte[] secret, String name, String info) {
        byte[] prk = hmac(("bitwarden-" + name).getBytes(StandardCharsets.UTF_8), secret);
        byte[] okm = hkdfExpand(prk, info.getBytes(StandardCharsets.UTF_8), 64);
        try {
            return new Key(Arrays.copyOfRange(okm, 0, 32), Arrays.copyOfRange(okm, 32, 64));
        } finally {
            Arrays.fill(prk, (byte) 0);
            Arrays.fill(okm, (byte) 0);
        }
    }

    /** RFC 5869 HKDF-Expand with HMAC-SHA256. */
    static byte[] hkdfExpand(byte[] prk, byte[] info, int length) {
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            byte[] input = new byte[t.length + info.length + 1];
            System.arraycopy(t, 0, input, 0, t.length);
            System.arraycopy(info, 0, input, t.length, info.length);
            input[input.length - 1] = (byte) i;
            Arrays.fill(t, (byte) 0);
            t = hmac(prk, input);
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        Arrays.fill(t, (byte) 0);
        return out;
    }

    /**
     * Decrypts a type-2 EncString {@code 2.IV|CIPHERTEXT|MAC} (each base64): the MAC
     * (HMAC-SHA256 over IV || ciphertext with the MAC key) is checked in constant time before
     * anything is decrypted, then AES-256-CBC with PKCS#7 padding. Any other type is refused.
     */
    static byte[] decrypt(String encString, Key key) throws CryptoFailure {
        int dot = encString.indexOf('.');
        if (dot < 0) {
            throw new CryptoFailure("not an EncString (no type)");
        }
        String type = encString.substring(0, dot);
        if (!"2".equals(type)) {
            throw new CryptoFailure("EncString type " + (type.length() > 3 ? type.substring(0, 3) + "..." : type)
                    + " is not supported (only type 2, AES-256-CBC + HMAC-SHA256)");
        }
        String[] parts = encString.substring(dot + 1).split("\\|", -1);
        if (parts.length != 3) {
            throw new CryptoFailure("a type 2 EncString has 3 parts, not " + parts.length);
        }
        byte[] iv;
        byte[] ct;
        byte[] mac;
        try {
            iv = Base64.getDecoder().decode(parts[0]);
            ct = Base64.getDecoder().decode(parts[1]);
            mac = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new CryptoFailure("the EncString is not base64");
        }
        if (iv.length != 16 || mac.length != 32 || ct.length == 0 || ct.length % 16 != 0) {
            throw new CryptoFailure("the EncString has a wrong IV, MAC or ciphertext length");
        }
        byte[] macInput = new byte[iv.length + ct.length];
        System.arraycopy(iv, 0, macInput, 0, iv.length);
        System.arraycopy(ct, 0, macInput, iv.length, ct.length);
        if (!MessageDigest.isEqual(hmac(key.mac(), macInput), mac)) {
            throw new CryptoFailure("the EncString's MAC does not verify (wrong key or tampered ciphertext)");
        }
        try {
            Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key.enc(), "AES"), new IvParameterSpec(iv));
            return c.doFinal(ct);
        } catch (GeneralSecurityException e) {
            throw new CryptoFailure("the EncString does not decrypt: " + e.getClass().getSimpleName());
        }
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
