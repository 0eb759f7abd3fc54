package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunTrustMaterialTest {
    @Test
    void bundleStoreAndCaFilesHoldRootsPlusKeywayCa(@TempDir Path dir) throws Exception {
        HeldCertificate keyway = new HeldCertificate.Builder().certificateAuthority(0).commonName("Keyway test CA").ecdsa256().build();
        HeldCertificate root = new HeldCertificate.Builder().certificateAuthority(0).commonName("Some root").ecdsa256().build();
        Path bundle = dir.resolve("os-bundle.crt");
        Files.writeString(bundle, "# comment before\n" + root.certificatePem() + "garbage between\n-----BEGIN CERTIFICATE-----\nnot base64!\n"
                + "-----END CERTIFICATE-----\n");
        List<X509Certificate> roots = SystemRoots.load(List.of(dir.resolve("missing.pem"), bundle));
        assertThat(roots).hasSize(1);
        TrustFiles t = TrustMaterial.write(dir, keyway.certificatePem(), roots);
        assertThat(SystemRoots.parsePem(Files.readString(t.bundle()))).extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=Some root", "CN=Keyway test CA");
        assertThat(SystemRoots.parsePem(Files.readString(t.keywayCa()))).hasSize(1);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(t.trustStore())) {
            ks.load(in, t.trustStorePassword().toCharArray());
        }
        assertThat(Collections.list(ks.aliases())).hasSize(2).allMatch(a -> {
            try {
                return ks.isCertificateEntry(a);
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(t.agentJar()).exists();
        assertThatThrownBy(() -> TrustMaterial.write(dir, "not a pem", roots)).hasMessageContaining("/v1/ca.pem");
    }

    @Test
    void fallsBackToTheJdkRoots() {
        assertThat(SystemRoots.load(List.of(Path.of("/nonexistent/bundle.pem")))).isNotEmpty();
    }

    @Test
    void wgetrcNamesTheBundleAfterTheUsersSettingsAndThePreloadIsWritten(@TempDir Path dir) throws Exception {
        HeldCertificate keyway = new HeldCertificate.Builder().certificateAuthority(0).commonName("Keyway test CA").ecdsa256().build();
        TrustFiles t = TrustMaterial.write(dir, keyway.certificatePem(), List.of(), "tries = 3\nca_certificate = /etc/old.pem");
        assertThat(t.wgetrc()).hasContent("tries = 3\nca_certificate = /etc/old.pem\n# keyway run: trust the Keyway CA and the system roots\n"
                + "ca_certificate = " + t.bundle());
        assertThat(Files.readString(t.nodePreload())).contains("undici.globalDispatcher.1").contains("CONNECT");
        TrustFiles plain = TrustMaterial.write(Files.createDirectories(dir.resolve("p")), keyway.certificatePem(), List.of());
        assertThat(plain.wgetrc()).hasContent("# keyway run: trust the Keyway CA and the system roots\nca_certificate = " + plain.bundle());
    }

    @Test
    void phpIniDirectoryTrustsTheBundleAndItsPrependHoldsNoToken(@TempDir Path dir) throws Exception {
        HeldCertificate keyway = new HeldCertificate.Builder().certificateAuthority(0).commonName("Keyway test CA").ecdsa256().build();
        TrustFiles t = TrustMaterial.write(dir, keyway.certificatePem(), List.of());
        assertThat(t.phpIniDir()).isEqualTo(dir.resolve("keyway-php.d"));
        Path prepend = dir.resolve("keyway-php-prepend.php");
        assertThat(t.phpIniDir().resolve("zz-keyway.ini")).hasContent(PhpIni.ini(t.bundle(), prepend).strip());
        assertThat(Files.readString(prepend)).startsWith("<?php").contains("getenv('https_proxy')")
                .contains("stream_context_set_default").doesNotContain("kw_tok_");
    }

    @Test
    void aTempDirPhpCannotQuoteIsAnIoError(@TempDir Path dir) throws Exception {
        HeldCertificate keyway = new HeldCertificate.Builder().certificateAuthority(0).commonName("Keyway test CA").ecdsa256().build();
        Path odd = Files.createDirectories(dir.resolve("a\"b"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrustMaterial.write(odd, keyway.certificatePem(), List.of()))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("TMPDIR");
    }
}
