package dev.keyway.proxy.tls;

import static dev.keyway.proxy.tls.CertificateAuthorityTest.CLOCK;
import static dev.keyway.proxy.tls.CertificateAuthorityTest.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.proxy.spi.LeafCertificateSource.Leaf;
import java.math.BigInteger;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LeafMinterTest {
    private static final String SAN = "2.5.29.17";
    private static final int DNS = 2;
    private static final int IP = 7;

    private final CertificateAuthority ca = CertificateAuthority.generate("leaf-test", CLOCK);
    private final LeafMinter minter = new LeafMinter(ca, CLOCK);

    @Test
    void leafValidatesAgainstTheCaWithPkix() throws Exception {
        Leaf leaf = minter.mint("api.example.com");
        assertThat(leaf.chain()).hasSize(2).last().isEqualTo(ca.certificate());
        pkixValidate(leaf.chain().getFirst(), ca.certificate());

        X509Certificate otherCa = CertificateAuthority.generate("other", CLOCK).certificate();
        assertThatThrownBy(() -> pkixValidate(leaf.chain().getFirst(), otherCa))
                .isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void dnsLeafHasServerExtensionsAndNoSki() throws Exception {
        X509Certificate cert = minter.mint("api.example.com").chain().getFirst();
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=api.example.com");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(DNS, "api.example.com"));
        assertThat(cert.getCriticalExtensionOIDs()).doesNotContain(SAN).contains("2.5.29.15");
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getExtensionValue("2.5.29.19")).as("BasicConstraints present").isNotNull();
        assertThat(cert.getKeyUsage()).startsWith(true, false, false, false, false, false, false, false);
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(cert.getExtensionValue("2.5.29.14")).as("no SKI on leaves").isNull();
        assertThat(authorityKeyId(cert)).isEqualTo(ca.keyIdentifier());
        assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(CertSupport.isP256(cert.getPublicKey())).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1,      127.0.0.1",
        "[::1],          0:0:0:0:0:0:0:1",
        "2001:db8::7,    2001:db8:0:0:0:0:0:7",
    })
    void ipLiteralGetsIpSanAndEmptySubjectWithCriticalSan(String host, String sanText) throws Exception {
        X509Certificate cert = minter.mint(host).chain().getFirst();
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(IP, sanText));
        assertThat(cert.getSubjectX500Principal().getName()).isEmpty();
        assertThat(cert.getCriticalExtensionOIDs()).contains(SAN);
        pkixValidate(cert, ca.certificate());
    }

    @Test
    void longDnsNameGetsEmptySubjectAndCriticalSan() throws Exception {
        String host = "a".repeat(60) + ".example.com"; // 72 characters: too long for a CN
        X509Certificate cert = minter.mint(host).chain().getFirst();
        assertThat(cert.getSubjectX500Principal().getName()).isEmpty();
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(DNS, host));
        assertThat(cert.getCriticalExtensionOIDs()).contains(SAN);
        pkixValidate(cert, ca.certificate());
    }

    @Test
    void hostIsNormalizedIntoTheSan() throws Exception {
        assertThat(minter.mint("API.Example.COM.").chain().getFirst().getSubjectAlternativeNames())
                .containsExactly(List.of(DNS, "api.example.com"));
        assertThat(minter.mint("bücher.example").chain().getFirst().getSubjectAlternativeNames())
                .containsExactly(List.of(DNS, "xn--bcher-kva.example"));
    }

    @Test
    void validityIsBackdatedTwoDaysAndLastsTheConfiguredTime() {
        X509Certificate cert = minter.mint("example.com").chain().getFirst();
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofDays(2)));
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(24)));

        X509Certificate hour = new LeafMinter(ca, CLOCK, Duration.ofHours(1)).mint("example.com").chain().getFirst();
        assertThat(hour.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(1)));
    }

    @Test
    void leafNeverOutlivesTheCa() {
        Instant caEnd = ca.certificate().getNotAfter().toInstant();
        Clock late = Clock.fixed(caEnd.minus(Duration.ofHours(1)), ZoneOffset.UTC);
        X509Certificate cert = new LeafMinter(ca, late).mint("example.com").chain().getFirst();
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(caEnd);
    }

    @Test
    void serialsAndKeysAreRandomPerLeaf() {
        List<Leaf> leaves = IntStream.range(0, 20).mapToObj(i -> minter.mint("example.com")).toList();
        Set<BigInteger> serials = new HashSet<>();
        Set<List<Byte>> keys = new HashSet<>();
        for (Leaf leaf : leaves) {
            BigInteger serial = leaf.chain().getFirst().getSerialNumber();
            assertThat(serial.signum()).isPositive();
            assertThat(serial.bitLength()).isLessThanOrEqualTo(128);
            serials.add(serial);
            byte[] pub = leaf.chain().getFirst().getPublicKey().getEncoded();
            keys.add(IntStream.range(0, pub.length).mapToObj(i -> pub[i]).toList());
        }
        assertThat(serials).hasSize(20);
        assertThat(keys).hasSize(20);
    }

    @ParameterizedTest
    @CsvSource({"0", "-1", "34300801"}) // seconds; the last is 397 days + 1 s
    void rejectsBadValidity(long seconds) {
        Duration validity = Duration.ofSeconds(seconds);
        assertThatThrownBy(() -> new LeafMinter(ca, CLOCK, validity))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid leaf validity: " + validity);
    }

    @Test
    void rejectsInvalidHost() {
        assertThatThrownBy(() -> minter.mint("bad host!"))
                .isInstanceOfSatisfying(KeywayException.class,
                        e -> assertThat(e.type()).isEqualTo(ErrorType.MALFORMED_REQUEST))
                .hasMessage("'bad host!' is not a valid host name or IP address");
    }

    static void pkixValidate(X509Certificate leaf, X509Certificate anchor) throws Exception {
        var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
        var params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        params.setRevocationEnabled(false);
        params.setDate(Date.from(NOW));
        CertPathValidator.getInstance("PKIX").validate(path, params);
    }

    private static byte[] authorityKeyId(X509Certificate cert) throws Exception {
        byte[] ext = cert.getExtensionValue("2.5.29.35");
        assertThat(ext).as("AKI present").isNotNull();
        return AuthorityKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(ext)).getKeyIdentifierOctets();
    }
}
