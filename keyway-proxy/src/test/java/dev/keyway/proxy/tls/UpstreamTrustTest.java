package dev.keyway.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpstreamTrustTest {
    private static final String CANARY = "CANARY-7f3a9b";

    @TempDir
    Path dir;

    private final CertificateAuthority corporate = CertificateAuthority.generate("corporate", Clock.systemUTC());
    private final CertificateAuthority second = CertificateAuthority.generate("second", Clock.systemUTC());

    @Test
    void defaultsToSystemRoots() {
        X509ExtendedTrustManager tm = UpstreamTrust.create(null);
        assertThat(tm.getAcceptedIssuers()).isNotEmpty();
        X509Certificate[] chain = leafChain(corporate);
        assertThatThrownBy(() -> tm.checkServerTrusted(chain, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class);
    }

    @Test
    void extraBundleIsTrustedInAdditionToSystemRoots() throws Exception {
        Path bundle = dir.resolve("corp-ca.pem");
        Files.writeString(bundle, "# Corporate roots\n" + corporate.certificatePem() + "\nsome comment\n"
                + second.certificatePem());
        int systemRoots = UpstreamTrust.create(null).getAcceptedIssuers().length;

        X509ExtendedTrustManager tm = UpstreamTrust.create(bundle);
        assertThat(tm.getAcceptedIssuers())
                .hasSize(systemRoots + 2)
                .contains(corporate.certificate(), second.certificate())
                .contains(UpstreamTrust.create(null).getAcceptedIssuers());
        tm.checkServerTrusted(leafChain(corporate), "ECDHE_ECDSA");
        tm.checkServerTrusted(leafChain(second), "ECDHE_ECDSA");
        X509Certificate[] untrusted = leafChain(CertificateAuthority.generate("stranger", Clock.systemUTC()));
        assertThatThrownBy(() -> tm.checkServerTrusted(untrusted, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void readsEveryCertificateAndSkipsOtherBlocks() throws Exception {
        Path bundle = dir.resolve("mixed.pem");
        Files.writeString(bundle, corporate.certificatePem()
                + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
                + second.certificatePem());
        assertThat(UpstreamTrust.readPemCertificates(bundle))
                .containsExactly(corporate.certificate(), second.certificate());
        assertThat(UpstreamTrust.toPem(corporate.certificate())).isEqualTo(corporate.certificatePem());
    }

    @Test
    void missingFileIsAClearError() {
        Path missing = dir.resolve("nope.pem");
        assertInvalid(missing, "CA bundle " + missing + " does not exist");
    }

    @Test
    void directoryIsAClearError() {
        assertThatThrownBy(() -> UpstreamTrust.create(dir))
                .isInstanceOf(KeywayException.class)
                .hasMessageStartingWith("CA bundle " + dir + " cannot be read");
    }

    @Test
    void fileWithoutCertificatesIsAClearErrorThatDoesNotEchoContents() throws Exception {
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "api_key=" + CANARY + "\n");
        assertInvalid(garbage, "CA bundle " + garbage
                + " contains no PEM certificate (expected '-----BEGIN CERTIFICATE-----' blocks)");
    }

    @Test
    void corruptBlockNamesTheFileAndBlockNotTheContents() throws Exception {
        Path corrupt = dir.resolve("corrupt.pem");
        Files.writeString(corrupt, corporate.certificatePem()
                + "-----BEGIN CERTIFICATE-----\n" + CANARY + "!\n-----END CERTIFICATE-----\n");
        assertInvalid(corrupt, "CA bundle " + corrupt + ": PEM block #2 is not valid base64");

        Files.writeString(corrupt, "-----BEGIN CERTIFICATE-----\nQ0FOQVJZLTdmM2E5Yg==\n-----END CERTIFICATE-----\n");
        assertInvalid(corrupt, "CA bundle " + corrupt + ": PEM block #1 is not a valid X.509 certificate");
    }

    private static void assertInvalid(Path file, String message) {
        assertThatThrownBy(() -> UpstreamTrust.create(file))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.VALIDATION))
                .hasMessage(message)
                .message()
                .doesNotContain(CANARY);
    }

    private static X509Certificate[] leafChain(CertificateAuthority ca) {
        return new LeafMinter(ca, Clock.systemUTC())
                .mint("upstream.example")
                .chain()
                .toArray(X509Certificate[]::new);
    }
}
