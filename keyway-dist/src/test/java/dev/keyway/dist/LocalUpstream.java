package dev.keyway.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A local HTTPS upstream for the real-jar load tests (crash loop, soak): a MockWebServer with a
 * certificate for {@code localhost} from its own CA, which the Keyway server is told to trust
 * ({@link #serverArgs}), and {@link #bind} configures a started server the way a user would (CLI):
 * the secret as credential {@code API_KEY}, a service {@code up} that injects it as a bearer token
 * toward this upstream, and a proxy token.
 */
record LocalUpstream(MockWebServer server, Path caFile) implements AutoCloseable {

    static LocalUpstream start(Path dir, Dispatcher dispatcher) throws IOException {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().addSubjectAlternativeName("localhost").ecdsa256()
                .signedBy(ca).build();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        MockWebServer server = new MockWebServer();
        server.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        server.setDispatcher(dispatcher);
        server.start();
        return new LocalUpstream(server, caFile);
    }

    /** The {@code keyway server} options that let it reach and trust this upstream. */
    String[] serverArgs() {
        return new String[] {"--upstream-ca", caFile.toString(), "--allow-private-upstreams"};
    }

    int port() {
        return server.getPort();
    }

    /** What {@link #bind} set up: the proxy token and the Keyway CA (PEM) the client must trust. */
    record Binding(String token, String keywayCaPem) {}

    /** Stores {@code secret} (from a file, deleted after), adds service {@code up}, mints a proxy token. */
    Binding bind(KeywayJar kw, KeywayJar.Server s, Path data, Path work, String secret) throws Exception {
        Path value = work.resolve("value");
        Files.writeString(value, secret);
        kw.cli(cli(s, data, "credential", "set", "API_KEY", "--from-file", value.toString())).ok();
        Files.delete(value);
        kw.cli(cli(s, data, "service", "add", "up", "--host", "localhost:" + port(), "--bearer", "API_KEY", "--allow-private")).ok();
        String token = kw.cli(cli(s, data, "token", "create", "--ttl", "24h")).ok().out().strip();
        return new Binding(token, kw.cli(cli(s, data, "ca", "export")).ok().out());
    }

    static String[] cli(KeywayJar.Server s, Path data, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--addr", s.api(), "--data-dir", data.toString()));
        return all.toArray(String[]::new);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
