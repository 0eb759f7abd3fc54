package dev.keyway.proxy.tls;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM (RFC 7468) text encoding of certificates, the format operators copy between machines and
 * install into trust stores.
 *
 * <p>Parsing is tolerant of text around the blocks (bundles such as {@code ca-certificates.crt}
 * carry comments) but strict inside a block. Blocks of other types (keys, CRLs) are skipped.
 * Error messages name the source and the block number, never the content.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final String CERTIFICATE = "CERTIFICATE";

    private Pem() {}

    /** Encodes DER bytes as one PEM block with 64-character lines and a trailing newline. */
    public static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /** The certificate as a PEM {@code CERTIFICATE} block. */
    public static String encode(X509Certificate certificate) {
        try {
            return encode(CERTIFICATE, certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("certificate cannot be encoded", e);
        }
    }

    /**
     * Every {@code CERTIFICATE} block in the text, in order.
     *
     * @param source names the text in error messages, e.g. a file path
     * @throws KeywayException ({@code validation}) if a certificate block is malformed; an empty
     *     list is returned when there are no certificate blocks at all
     */
    public static List<X509Certificate> certificates(String pemText, String source) {
        CertificateFactory factory = x509Factory();
        List<X509Certificate> result = new ArrayList<>();
        Matcher m = BLOCK.matcher(pemText);
        int block = 0;
        while (m.find()) {
            block++;
            if (!m.group(1).equals(CERTIFICATE)) {
                continue;
            }
            byte[] der = decodeBody(m.group(2), source, block);
            try {
                result.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException | RuntimeException e) {
                throw invalid(source + ": PEM block #" + block + " is not a valid X.509 certificate");
            }
        }
        return List.copyOf(result);
    }

    private static byte[] decodeBody(String body, String source, int block) {
        String compact = body.replaceAll("\\s+", "");
        if (compact.isEmpty() || compact.contains(":")) {
            // ":" means RFC 1421 headers (e.g. Proc-Type), which certificates never carry
            throw invalid(source + ": PEM block #" + block + " has no plain base64 body");
        }
        try {
            return Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            throw invalid(source + ": PEM block #" + block + " is not valid base64");
        }
    }

    private static KeywayException invalid(String detail) {
        return new KeywayException(ErrorType.VALIDATION, detail);
    }

    static CertificateFactory x509Factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("JDK lacks an X.509 CertificateFactory", e);
        }
    }
}
