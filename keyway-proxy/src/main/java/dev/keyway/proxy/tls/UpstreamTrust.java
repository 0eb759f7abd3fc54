package dev.keyway.proxy.tls;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Which servers the proxy itself trusts on its upstream connections: the JDK's default trust store
 * (public roots, or whatever {@code javax.net.ssl.trustStore} points at) plus, optionally, an
 * operator-supplied PEM bundle for internal or corporate CAs (for example a TLS-inspecting
 * corporate proxy's root).
 *
 * <p>The result is a single PKIX trust manager over the union of both sets, so hostname
 * verification and all JDK checks behave exactly as for the default trust manager. The Keyway CA is
 * deliberately not included: the proxy never trusts its own leaves upstream.
 */
public final class UpstreamTrust {
    /** Largest bundle accepted; real bundles are a few hundred KiB. */
    static final long MAX_BUNDLE_BYTES = 16L * 1024 * 1024;

    private UpstreamTrust() {}

    /**
     * The upstream trust manager.
     *
     * @param extraCaPem a PEM file with one or more additional trusted certificates, or null for the
     *     JDK defaults alone
     * @throws KeywayException ({@code validation}) if the file cannot be read or holds no valid
     *     certificate; the message names the file, never its contents
     */
    public static X509ExtendedTrustManager create(@Nullable Path extraCaPem) {
        X509ExtendedTrustManager system = trustManager(null);
        if (extraCaPem == null) {
            return system;
        }
        List<X509Certificate> extra = readPemCertificates(extraCaPem);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (X509Certificate root : system.getAcceptedIssuers()) {
                store.setCertificateEntry("system-" + i++, root);
            }
            i = 0;
            for (X509Certificate cert : extra) {
                store.setCertificateEntry("extra-" + i++, cert);
            }
            return trustManager(store);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the upstream trust store", e);
        }
    }

    /**
     * Every certificate in a PEM file, in order.
     *
     * @throws KeywayException ({@code validation}) if the file is missing, unreadable, too large,
     *     malformed, or contains no certificate
     */
    public static List<X509Certificate> readPemCertificates(Path file) {
        String text;
        try {
            if (Files.size(file) > MAX_BUNDLE_BYTES) {
                throw invalid("CA bundle " + file + " is larger than " + MAX_BUNDLE_BYTES / (1024 * 1024) + " MiB");
            }
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw invalid("CA bundle " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw invalid("CA bundle " + file + " cannot be read (permission denied)");
        } catch (IOException e) {
            throw invalid("CA bundle " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        List<X509Certificate> certs = Pem.certificates(text, "CA bundle " + file);
        if (certs.isEmpty()) {
            throw invalid("CA bundle " + file + " contains no PEM certificate (expected '-----BEGIN CERTIFICATE-----' blocks)");
        }
        return certs;
    }

    /** The certificate as a PEM block. */
    public static String toPem(X509Certificate certificate) {
        return Pem.encode(certificate);
    }

    private static X509ExtendedTrustManager trustManager(@Nullable KeyStore store) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("default TrustManagerFactory has no X509ExtendedTrustManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialize the JDK trust manager", e);
        }
    }

    private static KeywayException invalid(String detail) {
        return new KeywayException(ErrorType.VALIDATION, detail);
    }
}
