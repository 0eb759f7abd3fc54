package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.KeywayServer;
import dev.keyway.server.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Keyway server (in-process) with two private HTTPS upstreams on localhost, each with its own
 * CA that only the server trusts: an API that wants {@code Bearer SECRET} (service {@code up}) and a
 * git repository that wants Basic {@code x-access-token:GIT_SECRET} (service {@code git}). Runs
 * {@code keyway} commands in-process with a chosen environment.
 */
final class RunFixture implements AutoCloseable {
    static final String SECRET = "sk-canary-run-5a1f0e9d2c7b";
    static final String GIT_SECRET = "ghp-canary-run-77c0ffee";
    static final JsonMapper JSON = JsonMapper.builder().build();

    final Path dir;
    final KeywayServer server;
    /** The server's time (starts at the real time, so TLS certificates are valid): tests move it to expire tokens. */
    final dev.keyway.core.testing.MutableClock clock =
            new dev.keyway.core.testing.MutableClock(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    final String adminToken;
    final MockWebServer upstream;
    /**
     * The same API on this machine's first non-loopback IPv4 address (service {@code lan}), or null if
     * it has none: Go's {@code net/http} and Ruby's {@code Net::HTTP} never send loopback targets
     * through a proxy, so they are tested against this one.
     */
    final @Nullable MockWebServer lanUpstream;
    final GitHttpsServer git;
    /** Requests the API upstream received, by path. */
    final Map<String, RecordedRequest> received = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();

    RunFixture(Path dir) throws Exception {
        this.dir = dir;
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("run test upstream CA").ecdsa256().build();
        java.net.InetAddress lan = nonLoopbackIpv4();
        HeldCertificate.Builder leafBuilder = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost");
        if (lan != null) {
            leafBuilder.addSubjectAlternativeName(lan.getHostAddress());
        }
        HeldCertificate leaf = leafBuilder.ecdsa256().signedBy(ca).build();
        HandshakeCertificates serverCerts = new HandshakeCertificates.Builder().heldCertificate(leaf).build();
        Dispatcher hello = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                received.put(r.getUrl().encodedPath(), r);
                return new MockResponse.Builder().body("hello from upstream " + r.getUrl().encodedPath()).build();
            }
        };
        upstream = new MockWebServer();
        upstream.useHttps(serverCerts.sslSocketFactory());
        upstream.setDispatcher(hello);
        upstream.start();
        if (lan != null) {
            lanUpstream = new MockWebServer();
            lanUpstream.useHttps(serverCerts.sslSocketFactory());
            lanUpstream.setDispatcher(hello);
            lanUpstream.start(lan, 0);
        } else {
            lanUpstream = null;
        }
        git = new GitHttpsServer(serverCerts.sslContext(), Files.createDirectories(dir.resolve("git")),
                "Basic " + Base64.getEncoder().encodeToString(("x-access-token:" + GIT_SECRET).getBytes(StandardCharsets.UTF_8)));
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        Path data = dir.resolve("server");
        ServerConfig cfg = ServerConfig.defaults(data).withPorts(0, 0).withUpstream(caFile, null, true, List.of());
        server = KeywayServer.start(cfg, dev.keyway.server.aws.AwsEnv.system(cfg.upstreamCa(), cfg.upstreamProxy()), clock);
        adminToken = Files.readString(data.resolve("admin-token")).strip();
        admin("PUT", "/v1/vaults/default/credentials/UP_KEY", "{\"value\":\"" + SECRET + "\"}");
        admin("PUT", "/v1/vaults/default/credentials/GIT_KEY", "{\"value\":\"" + GIT_SECRET + "\"}");
        admin("POST", "/v1/vaults/default/services", """
                {"name":"up","host":"localhost:%d","allow_private":true,"paths":["/v1/**"],"inject":{"bearer":"UP_KEY"}}"""
                .formatted(upstream.getPort()));
        if (lanUpstream != null) {
            admin("POST", "/v1/vaults/default/services", """
                    {"name":"lan","host":"%s:%d","allow_private":true,"paths":["/v1/**"],"inject":{"bearer":"UP_KEY"}}"""
                    .formatted(lan.getHostAddress(), lanUpstream.getPort()));
        }
        admin("POST", "/v1/vaults/default/services", """
                {"name":"git","host":"localhost:%d","allow_private":true,
                 "inject":{"basic":{"username_literal":"x-access-token","password":"GIT_KEY"}}}""".formatted(git.port()));
    }

    String base() {
        return "http://127.0.0.1:" + server.apiPort();
    }

    String upstreamUrl(String path) {
        return "https://localhost:" + upstream.getPort() + path;
    }

    /** The API on the non-loopback address, e.g. {@code https://192.0.2.2:PORT/v1/go}; null if this machine has none. */
    @Nullable String lanUrl(String path) {
        return lanUpstream == null ? null : "https://" + lanUpstream.getSocketAddress().getAddress().getHostAddress() + ":" + lanUpstream.getPort() + path;
    }

    private static java.net.@Nullable InetAddress nonLoopbackIpv4() throws java.net.SocketException {
        for (java.net.NetworkInterface n : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (!n.isUp() || n.isLoopback()) {
                continue;
            }
            for (java.net.InetAddress a : java.util.Collections.list(n.getInetAddresses())) {
                if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        return null;
    }

    JsonNode admin(String method, String path, @Nullable String body) throws Exception {
        return call(method, path, body, adminToken);
    }

    JsonNode call(String method, String path, @Nullable String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    /** A scoped token minted with the admin token; {@code extra} is more JSON members, e.g. {@code "ttl":"1h"}. */
    JsonNode mint(String vault, String extra) throws Exception {
        return admin("POST", "/v1/tokens", "{\"vault\":\"" + vault + "\"" + (extra.isEmpty() ? "" : "," + extra) + "}");
    }

    /** The environment a child would inherit from a clean shell: PATH and friends, HOME in the test dir, no proxy or Keyway variables. */
    Map<String, String> cleanEnv() throws Exception {
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!dev.keyway.cli.run.ChildEnv.isStale(k)) {
                env.put(k, v);
            }
        });
        env.remove("JAVA_TOOL_OPTIONS");
        env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_TERMINAL_PROMPT", "0");
        return env;
    }

    /** Logs the owner in for human mode: setup (admin token), login, and the session file {@code keyway login} writes. */
    Path humanDataDir() throws Exception {
        Path d = dir.resolve("cli-home");
        if (!Files.exists(d.resolve("session.json"))) {
            admin("POST", "/v1/setup", "{\"email\":\"owner@example.test\",\"password\":\"correct horse battery\"}");
            JsonNode r = call("POST", "/v1/auth/login", "{\"email\":\"owner@example.test\",\"password\":\"correct horse battery\"}",
                    adminToken);
            new Session(base(), r.get("token").asString(), "owner@example.test",
                    java.time.Instant.parse(r.get("expires_at").asString())).write(d);
        }
        return d;
    }

    /** The outcome of one in-process {@code keyway} invocation. */
    record Cli(int exit, String out, String err, CapturingLauncher child) {}

    Cli run(Map<String, String> env, CapturingLauncher launcher, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        rc.environment = env;
        rc.launcher = launcher;
        String[] all = new String[args.length + 1];
        all[0] = "run";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = cl.execute(all);
        return new Cli(code, out.toString(), err.toString(), launcher);
    }

    @Override
    public void close() throws Exception {
        server.close();
        upstream.close();
        if (lanUpstream != null) {
            lanUpstream.close();
        }
        git.close();
    }
}
