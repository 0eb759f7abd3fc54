package dev.keyway.proxy.tls;

import dev.keyway.core.error.KeywayException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * The Keyway certificate authority: the one key agents are asked to trust, which signs every leaf
 * the proxy presents while intercepting TLS.
 *
 * <p>Each Keyway instance generates its own CA ({@link #generate}); nothing is shared between
 * installations. The CA is ECDSA P-256, {@code pathLen 0} (it can sign leaves, not other CAs) and
 * valid for {@link #VALIDITY_YEARS} years from creation, backdated one day for clock skew. There is
 * no rotation yet: an operator replaces the CA by generating a new one and re-distributing it.
 *
 * <p>Immutable. The private key is exposed for signing and for storage ({@link
 * #privateKeyPkcs8Der()}, which the caller must encrypt at rest); it never appears in {@link
 * #toString()} or in error messages.
 */
public final class CertificateAuthority {
    /** How long a generated CA is valid. */
    public static final int VALIDITY_YEARS = 5;

    /** How far a generated CA's {@code notBefore} is set in the past, to tolerate clock skew. */
    public static final Duration BACKDATE = Duration.ofDays(1);

    private static final int MAX_INSTANCE_ID_LENGTH = 54; // CN is at most 64 characters

    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final byte[] keyIdentifier;

    private CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.keyIdentifier = CertSupport.keyIdentifierOf(certificate);
    }

    /**
     * Generates a fresh CA with subject {@code CN=Keyway CA <instanceId>, O=Keyway}.
     *
     * @param instanceId distinguishes this installation's CA in trust-store listings; 1 to 54
     *     printable characters
     */
    public static CertificateAuthority generate(String instanceId, Clock clock) {
        String id = instanceId.strip();
        if (id.isEmpty() || id.length() > MAX_INSTANCE_ID_LENGTH || !id.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
            throw KeywayException.validation(
                    "instanceId", "CA instance id must be 1 to " + MAX_INSTANCE_ID_LENGTH + " printable characters");
        }
        SecureRandom random = new SecureRandom();
        KeyPair keys = CertSupport.newP256KeyPair(random);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant notBefore = now.minus(BACKDATE);
        Instant notAfter = now.atOffset(ZoneOffset.UTC).plusYears(VALIDITY_YEARS).toInstant();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Keyway")
                .addRDN(BCStyle.CN, "Keyway CA " + id)
                .build();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                subject,
                CertSupport.randomSerial(random),
                Date.from(notBefore),
                Date.from(notAfter),
                subject,
                keys.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, CertSupport.subjectKeyIdentifier(keys.getPublic()));
        } catch (CertIOException e) {
            throw new IllegalStateException("cannot encode CA extensions", e);
        }
        X509Certificate cert = CertSupport.toX509(builder.build(CertSupport.signer(keys.getPrivate())));
        return new CertificateAuthority(cert, keys.getPrivate());
    }

    /**
     * Restores a CA from storage, checking that it is usable: exactly one PEM certificate that is a
     * CA allowed to sign certificates, with an EC P-256 key, and a PKCS#8 private key that belongs to
     * it. Validity dates are not checked here; see {@link #certificate()}.
     *
     * @throws KeywayException ({@code validation}) naming the first problem found
     */
    public static CertificateAuthority load(String certPem, byte[] pkcs8Der) {
        List<X509Certificate> certs = Pem.certificates(certPem, "CA certificate");
        if (certs.size() != 1) {
            throw invalid("CA certificate PEM must contain exactly one certificate, found " + certs.size());
        }
        X509Certificate cert = certs.getFirst();
        if (cert.getBasicConstraints() < 0) {
            throw invalid("CA certificate " + subjectOf(cert) + " is not a CA (BasicConstraints CA flag missing)");
        }
        boolean[] usage = cert.getKeyUsage();
        if (usage != null && (usage.length < 6 || !usage[5])) {
            throw invalid("CA certificate " + subjectOf(cert) + " may not sign certificates (KeyUsage lacks keyCertSign)");
        }
        if (!CertSupport.isP256(cert.getPublicKey())) {
            throw invalid("CA certificate " + subjectOf(cert) + " does not have an EC P-256 key (found "
                    + cert.getPublicKey().getAlgorithm() + ")");
        }
        PrivateKey key;
        try {
            key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8Der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw invalid("CA private key is not a valid PKCS#8-encoded EC private key");
        }
        if (!CertSupport.isP256(key)) {
            throw invalid("CA private key is not on curve P-256");
        }
        if (!keyMatches(key, cert)) {
            throw invalid("CA private key does not match the CA certificate " + subjectOf(cert));
        }
        return new CertificateAuthority(cert, key);
    }

    /** The CA certificate, the trust anchor agents install. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA's signing key. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The CA certificate as PEM, for {@code keyway ca export} and trust-store installers. */
    public String certificatePem() {
        return Pem.encode(certificate);
    }

    /** A fresh copy of the private key in PKCS#8 DER; the caller encrypts it and wipes the array. */
    public byte[] privateKeyPkcs8Der() {
        return privateKey.getEncoded();
    }

    /** SHA-256 of the certificate's DER, upper-case hex with colons, as browsers and openssl show it. */
    public String fingerprintSha256() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint the CA certificate", e);
        }
    }

    /** Key identifier leaves must carry in their AuthorityKeyIdentifier. */
    byte[] keyIdentifier() {
        return keyIdentifier.clone();
    }

    @Override
    public String toString() {
        return "CertificateAuthority[" + subjectOf(certificate) + ", notAfter=" + certificate.getNotAfter().toInstant()
                + ", sha256=" + fingerprintSha256() + "]";
    }

    private static boolean keyMatches(PrivateKey key, X509Certificate cert) {
        byte[] challenge = "keyway-ca-key-check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(CertSupport.SIGNATURE_ALGORITHM);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(CertSupport.SIGNATURE_ALGORITHM);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String subjectOf(X509Certificate cert) {
        return "'" + cert.getSubjectX500Principal().getName() + "'";
    }

    private static KeywayException invalid(String detail) {
        return KeywayException.validation("ca", detail);
    }
}
