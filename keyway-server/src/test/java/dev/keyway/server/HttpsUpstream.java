package dev.keyway.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A local HTTPS upstream for end-to-end tests: a MockWebServer with a certificate for
 * {@code localhost} from its own test CA, whose PEM file a Keyway server is configured to trust
 * ({@code --upstream-ca}), so tests exercise real upstream TLS verification.
 */
record HttpsUpstream(MockWebServer server, Path caFile) implements AutoCloseable {
    static HttpsUpstream start(Path dir) throws IOException {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().addSubjectAlternativeName("localhost").ecdsa256().signedBy(ca).build();
        MockWebServer server = new MockWebServer();
        server.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        server.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        return new HttpsUpstream(server, caFile);
    }

    /** A Keyway configuration on ephemeral ports in {@code dataDir} that trusts this upstream (and private addresses). */
    ServerConfig keywayConfig(Path dataDir) {
        return ServerConfig.defaults(dataDir).withPorts(0, 0).withUpstream(caFile, null, true, List.of());
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
