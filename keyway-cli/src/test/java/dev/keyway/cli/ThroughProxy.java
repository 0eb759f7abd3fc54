package dev.keyway.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** Sends one raw HTTPS request through the Keyway proxy (CONNECT, then TLS trusting the Keyway CA); returns the status line. */
final class ThroughProxy {
    private ThroughProxy() {}

    static String send(int proxyPort, String credentials, String host, int port, Path keywayCa, byte[] head, byte[] body)
            throws Exception {
        try (SSLSocket tls = open(proxyPort, credentials, host, port, keywayCa)) {
            OutputStream to = tls.getOutputStream();
            to.write(head);
            to.write(body);
            to.flush();
            return readHead(tls.getInputStream()).lines().findFirst().orElse("");
        }
    }

    /** CONNECTs through the proxy and returns the TLS socket to {@code host:port} (the caller closes it). */
    static SSLSocket open(int proxyPort, String credentials, String host, int port, Path keywayCa) throws Exception {
        Socket s = new Socket("127.0.0.1", proxyPort);
        try {
            s.setSoTimeout(30_000);
            OutputStream o = s.getOutputStream();
            o.write(("CONNECT " + host + ":" + port + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nProxy-Authorization: Basic "
                    + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            o.flush();
            String connect = readHead(s.getInputStream());
            if (!connect.startsWith("HTTP/1.1 200")) {
                throw new IOException("CONNECT refused: " + connect);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("keyway", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(java.nio.file.Files.newInputStream(keywayCa)));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(s, host, port, true);
            SSLParameters p = tls.getSSLParameters();
            p.setServerNames(java.util.List.of(new SNIHostName(host)));
            p.setApplicationProtocols(new String[] {"http/1.1"});
            tls.setSSLParameters(p);
            tls.startHandshake();
            return tls;
        } catch (Exception e) {
            s.close();
            throw e;
        }
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            String s = b.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
