package dev.keyway.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Writes {@link TrustFiles} into a directory the caller owns (0700 for per-run temp dirs). */
public final class TrustMaterial {
    /** Not a secret: the store holds public certificates only; the JDK API just wants a password. */
    static final String STORE_PASSWORD = "keyway-trust";

    private TrustMaterial() {}

    /** As {@link #write(Path, String, List, String)} without a user wgetrc to carry over. */
    public static TrustFiles write(Path dir, String keywayCaPem, List<X509Certificate> systemRoots) throws IOException {
        return write(dir, keywayCaPem, systemRoots, null);
    }

    /**
     * Writes {@code ca-bundle.pem} (system roots + Keyway CA), {@code keyway-ca.pem},
     * {@code truststore.p12}, the agent jar, the Node.js preload, {@code wgetrc} and the PHP ini
     * directory ({@link PhpIni}) into {@code dir}.
     * The wgetrc replaces the user's (WGETRC wins over ~/.wgetrc), so {@code userWgetrc}, that file's
     * text, is copied first and our {@code ca_certificate} comes last (the last setting wins).
     */
    public static TrustFiles write(Path dir, String keywayCaPem, List<X509Certificate> systemRoots, @Nullable String userWgetrc)
            throws IOException {
        List<X509Certificate> keyway = SystemRoots.parsePem(keywayCaPem);
        if (keyway.isEmpty()) {
            throw new IOException("the server's CA certificate (/v1/ca.pem) is not a PEM certificate");
        }
        Path bundle = dir.resolve("ca-bundle.pem");
        Path ca = dir.resolve("keyway-ca.pem");
        Path store = dir.resolve("truststore.p12");
        Path agent = dir.resolve(AgentJar.FILE_NAME);
        Files.writeString(ca, SystemRoots.toPem(keyway), StandardCharsets.US_ASCII);
        List<X509Certificate> all = new ArrayList<>(systemRoots);
        all.addAll(keyway);
        Files.writeString(bundle, SystemRoots.toPem(all), StandardCharsets.US_ASCII);
        try (OutputStream out = Files.newOutputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < systemRoots.size(); i++) {
                ks.setCertificateEntry("root-" + i, systemRoots.get(i));
            }
            for (int i = 0; i < keyway.size(); i++) {
                ks.setCertificateEntry("keyway-ca-" + i, keyway.get(i));
            }
            ks.store(out, STORE_PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write the trust store: " + e.getMessage(), e);
        }
        AgentJar.write(agent);
        Path preload = dir.resolve(NodeOptions.PRELOAD);
        try (InputStream in = TrustMaterial.class.getResourceAsStream(NodeOptions.PRELOAD)) {
            if (in == null) {
                throw new IOException("the Node.js preload " + NodeOptions.PRELOAD + " is missing from this build");
            }
            Files.write(preload, in.readAllBytes());
        }
        Path wgetrc = dir.resolve("wgetrc");
        String user = userWgetrc == null || userWgetrc.isEmpty() ? "" : userWgetrc.endsWith("\n") ? userWgetrc : userWgetrc + "\n";
        Files.writeString(wgetrc, user + "# keyway run: trust the Keyway CA and the system roots\nca_certificate = " + bundle + "\n",
                StandardCharsets.UTF_8);
        Path phpPrepend = dir.resolve(PhpIni.PREPEND);
        try (InputStream in = TrustMaterial.class.getResourceAsStream(PhpIni.PREPEND)) {
            if (in == null) {
                throw new IOException("the PHP prepend file " + PhpIni.PREPEND + " is missing from this build");
            }
            Files.write(phpPrepend, in.readAllBytes());
        }
        Path phpDir = Files.createDirectories(dir.resolve(PhpIni.DIR));
        String phpIni;
        try {
            phpIni = PhpIni.ini(bundle, phpPrepend);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage() + " (set TMPDIR to a plainer directory)", e);
        }
        Files.writeString(phpDir.resolve("zz-keyway.ini"), phpIni, StandardCharsets.UTF_8);
        return new TrustFiles(bundle, ca, store, STORE_PASSWORD, agent, preload, wgetrc, phpDir);
    }
}
