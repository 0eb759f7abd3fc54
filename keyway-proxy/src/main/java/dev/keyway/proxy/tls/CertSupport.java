package dev.keyway.proxy.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Shared certificate plumbing for the CA and leaf builders: EC P-256 keys, random serials, JDK
 * (SunEC) signing through BouncyCastle's builder API, and key identifiers.
 */
final class CertSupport {
    static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final String CURVE = "secp256r1";
    private static final String SKI_OID = "2.5.29.14";
    private static final ECParameterSpec P256 = p256Spec();

    private CertSupport() {}

    static KeyPair newP256KeyPair(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(CURVE), random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK cannot generate EC P-256 keys", e);
        }
    }

    /** True when the key is an EC key on NIST P-256 (secp256r1). */
    static boolean isP256(Object key) {
        if (!(key instanceof ECKey ec)) {
            return false;
        }
        ECParameterSpec p = ec.getParams();
        return p.getCurve().equals(P256.getCurve())
                && p.getGenerator().equals(P256.getGenerator())
                && p.getOrder().equals(P256.getOrder())
                && p.getCofactor() == P256.getCofactor();
    }

    /** A uniformly random positive 128-bit serial number (RFC 5280 allows up to 20 octets). */
    static BigInteger randomSerial(SecureRandom random) {
        while (true) {
            BigInteger serial = new BigInteger(128, random);
            if (serial.signum() > 0) {
                return serial;
            }
        }
    }

    /** A signer that runs on the JDK's default provider (SunEC); BC only builds the structure. */
    static ContentSigner signer(PrivateKey key) {
        try {
            return new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot create an ECDSA signer", e);
        }
    }

    static X509Certificate toX509(X509CertificateHolder holder) {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new IllegalStateException("freshly built certificate does not parse", e);
        }
    }

    /** RFC 5280 section 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
    static SubjectKeyIdentifier subjectKeyIdentifier(PublicKey key) {
        try {
            return new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks SHA-1 for key identifiers", e);
        }
    }

    /** The CA's own SKI when it has one (leaf AKIs must match it), else one computed from its key. */
    static byte[] keyIdentifierOf(X509Certificate ca) {
        byte[] ext = ca.getExtensionValue(SKI_OID);
        if (ext != null) {
            try {
                return SubjectKeyIdentifier.getInstance(
                                ASN1OctetString.getInstance(JcaX509ExtensionUtils.parseExtensionValue(ext)))
                        .getKeyIdentifier();
            } catch (IOException | RuntimeException e) {
                // fall through: a malformed SKI is ignored and recomputed
            }
        }
        return subjectKeyIdentifier(ca.getPublicKey()).getKeyIdentifier();
    }

    private static ECParameterSpec p256Spec() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec(CURVE));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks the P-256 curve", e);
        }
    }
}
