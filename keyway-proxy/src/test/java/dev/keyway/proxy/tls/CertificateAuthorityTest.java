package dev.keyway.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {
    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private final CertificateAuthority ca = CertificateAuthority.generate("inst-42", CLOCK);

    @Test
    void generatedCaHasCaPropertiesAndP256Key() throws Exception {
        X509Certificate cert = ca.certificate();
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=Keyway CA inst-42,O=Keyway");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
        cert.verify(cert.getPublicKey());
        assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(cert.getBasicConstraints()).isZero(); // CA:true, pathLen 0
        assertThat(cert.getKeyUsage()).startsWith(false, false, false, false, false, true, true, false);
        assertThat(cert.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        assertThat(cert.getExtensionValue("2.5.29.14")).as("SKI").isNotNull();
        assertThat(CertSupport.isP256(cert.getPublicKey())).isTrue();
        assertThat(CertSupport.isP256(ca.privateKey())).isTrue();
        assertThat(cert.getSerialNumber().signum()).isPositive();
    }

    @Test
    void validityIsBackdatedOneDayAndLastsFiveYears() {
        assertThat(ca.certificate().getNotBefore().toInstant()).isEqualTo(Instant.parse("2026-02-28T10:00:00Z"));
        assertThat(ca.certificate().getNotAfter().toInstant()).isEqualTo(Instant.parse("2031-03-01T10:00:00Z"));
    }

    @Test
    void pemAndPkcs8RoundTrip() throws Exception {
        String pem = ca.certificatePem();
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        CertificateAuthority loaded = CertificateAuthority.load(pem, ca.privateKeyPkcs8Der());
        assertThat(loaded.certificate()).isEqualTo(ca.certificate());
        assertThat(loaded.fingerprintSha256()).isEqualTo(ca.fingerprintSha256());
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(ca.privateKey().getEncoded());
        assertThat(loaded.keyIdentifier()).isEqualTo(ca.keyIdentifier());
        // the restored key still signs leaves that chain to the original certificate
        new LeafMinter(loaded, CLOCK).mint("example.com").chain().getFirst().verify(ca.certificate().getPublicKey());
    }

    @Test
    void privateKeyExportIsAFreshCopy() {
        byte[] first = ca.privateKeyPkcs8Der();
        java.util.Arrays.fill(first, (byte) 0);
        assertThat(ca.privateKeyPkcs8Der()).isNotEqualTo(first);
    }

    @Test
    void fingerprintIsColonSeparatedUpperHex() {
        assertThat(ca.fingerprintSha256()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        assertThat(ca.toString()).contains(ca.fingerprintSha256()).contains("Keyway CA inst-42");
        assertThat(ca.toString()).doesNotContain(Base64.getEncoder().encodeToString(ca.privateKeyPkcs8Der()));
    }

    @Test
    void loadRejectsMismatchedKey() {
        byte[] otherKey = CertificateAuthority.generate("other", CLOCK).privateKeyPkcs8Der();
        assertInvalid(() -> CertificateAuthority.load(ca.certificatePem(), otherKey),
                "CA private key does not match the CA certificate 'CN=Keyway CA inst-42,O=Keyway'");
    }

    @Test
    void loadRejectsNonCaCertificate() {
        var leaf = new LeafMinter(ca, CLOCK).mint("example.com");
        assertInvalid(() -> CertificateAuthority.load(
                        Pem.encode(leaf.chain().getFirst()), leaf.key().getEncoded()),
                "CA certificate 'CN=example.com' is not a CA (BasicConstraints CA flag missing)");
    }

    @Test
    void loadRejectsRsaCa() {
        HeldCertificate rsa = new HeldCertificate.Builder().certificateAuthority(0).rsa2048().commonName("rsa").build();
        assertInvalid(() -> CertificateAuthority.load(rsa.certificatePem(), rsa.keyPair().getPrivate().getEncoded()),
                "CA certificate 'CN=rsa' does not have an EC P-256 key (found RSA)");
    }

    @Test
    void loadRejectsGarbage() {
        byte[] key = ca.privateKeyPkcs8Der();
        assertInvalid(() -> CertificateAuthority.load("not a certificate", key),
                "CA certificate PEM must contain exactly one certificate, found 0");
        assertInvalid(() -> CertificateAuthority.load(ca.certificatePem() + ca.certificatePem(), key),
                "CA certificate PEM must contain exactly one certificate, found 2");
        assertInvalid(() -> CertificateAuthority.load("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", key),
                "CA certificate: PEM block #1 is not valid base64");
        assertInvalid(() -> CertificateAuthority.load("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", key),
                "CA certificate: PEM block #1 is not a valid X.509 certificate");
        assertInvalid(() -> CertificateAuthority.load(ca.certificatePem(), new byte[] {1, 2, 3}),
                "CA private key is not a valid PKCS#8-encoded EC private key");
        assertInvalid(() -> CertificateAuthority.load(ca.certificatePem(), new byte[0]),
                "CA private key is not a valid PKCS#8-encoded EC private key");
    }

    @Test
    void generateValidatesInstanceId() {
        assertThatThrownBy(() -> CertificateAuthority.generate(" ", CLOCK)).isInstanceOf(KeywayException.class);
        assertThatThrownBy(() -> CertificateAuthority.generate("x".repeat(55), CLOCK)).isInstanceOf(KeywayException.class);
        assertThatThrownBy(() -> CertificateAuthority.generate("a\nb", CLOCK)).isInstanceOf(KeywayException.class);
        assertThat(CertificateAuthority.generate("x".repeat(54), CLOCK).certificate().getSubjectX500Principal().getName())
                .contains("x".repeat(54));
    }

    private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.VALIDATION))
                .hasMessage(message);
    }
}
