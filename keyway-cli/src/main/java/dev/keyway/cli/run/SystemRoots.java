package dev.keyway.cli.run;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine's trusted root certificates, so the child's bundle still verifies hosts that Keyway
 * tunnels without interception. Read from the first OS bundle that exists (the same paths Go's
 * crypto/x509 tries on Linux, plus the BSD/macOS one); when none does, from the JDK's {@code cacerts}.
 */
public final class SystemRoots {
    /** OS bundle locations, in the order tried. */
    public static final List<Path> BUNDLE_PATHS = List.of(
            Path.of("/etc/ssl/certs/ca-certificates.crt"), // Debian, Ubuntu, Gentoo, Arch
            Path.of("/etc/pki/tls/certs/ca-bundle.crt"), // Fedora, RHEL 6
            Path.of("/etc/ssl/ca-bundle.pem"), // openSUSE
            Path.of("/etc/pki/tls/cacert.pem"), // OpenELEC
            Path.of("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"), // CentOS, RHEL 7+
            Path.of("/etc/ssl/cert.pem")); // Alpine, macOS, BSD

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");

    private SystemRoots() {}

    /** The roots as X.509 certificates, from the first readable candidate bundle, else the JDK's cacerts. */
    public static List<X509Certificate> load(List<Path> candidates) {
        for (Path p : candidates) {
            if (Files.isReadable(p)) {
                try {
                    List<X509Certificate> certs = parsePem(Files.readString(p, StandardCharsets.ISO_8859_1));
                    if (!certs.isEmpty()) {
                        return certs;
                    }
                } catch (IOException e) {
                    // try the next one
                }
            }
        }
        return jdkCacerts();
    }

    /** Every certificate in a PEM text; blocks that do not parse (and comments around them) are skipped. */
    public static List<X509Certificate> parsePem(String text) {
        List<X509Certificate> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            try {
                byte[] der = Base64.getMimeDecoder().decode(m.group(1));
                out.add((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // skip a damaged block rather than lose the whole bundle
            }
        }
        return out;
    }

    static List<X509Certificate> jdkCacerts() {
        Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
        try (InputStream in = Files.newInputStream(cacerts)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(in, null);
            List<X509Certificate> out = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                Certificate c = ks.getCertificate(alias);
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
            return out;
        } catch (IOException | GeneralSecurityException e) {
            return List.of();
        }
    }

    /** PEM text for certificates (64-column Base64, like openssl writes). */
    public static String toPem(List<X509Certificate> certs) {
        StringBuilder b = new StringBuilder();
        Base64.Encoder enc = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        for (X509Certificate c : certs) {
            try {
                b.append("-----BEGIN CERTIFICATE-----\n").append(enc.encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (GeneralSecurityException e) {
                // not encodable: leave it out
            }
        }
        return b.toString();
    }
}
