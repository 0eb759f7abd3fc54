package dev.keyway.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Starts a real {@link KeywayServer} on free ports in a temp data dir, plus a tiny HTTP client for its API. */
public final class TestServer implements AutoCloseable {
    public final KeywayServer server;
    public final Path dataDir;
    public final String adminToken;
    private final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();

    private TestServer(KeywayServer server, Path dataDir) throws IOException {
        this.server = server;
        this.dataDir = dataDir;
        this.adminToken = Files.readString(dataDir.resolve("admin-token")).strip();
    }

    public static TestServer start(Path dataDir) throws Exception {
        return start(ServerConfig.defaults(dataDir).withPorts(0, 0));
    }

    public static TestServer start(ServerConfig cfg) throws Exception {
        return new TestServer(KeywayServer.start(cfg), cfg.dataDir());
    }

    /** With the clock given: tests move it to expire tokens, sessions and proposals instead of sleeping. */
    public static TestServer start(ServerConfig cfg, java.time.Clock clock) throws Exception {
        return new TestServer(KeywayServer.start(cfg, dev.keyway.server.aws.AwsEnv.system(cfg.upstreamCa(), cfg.upstreamProxy()), clock),
                cfg.dataDir());
    }

    /** With the AWS environment given (fake STS endpoints, test CA bundles, host keys). */
    public static TestServer start(ServerConfig cfg, dev.keyway.server.aws.AwsEnv aws) throws Exception {
        return new TestServer(KeywayServer.start(cfg, aws), cfg.dataDir());
    }

    /** With the AWS environment and the clock given. */
    public static TestServer start(ServerConfig cfg, dev.keyway.server.aws.AwsEnv aws, java.time.Clock clock) throws Exception {
        return new TestServer(KeywayServer.start(cfg, aws, clock), cfg.dataDir());
    }

    public String base() {
        return "http://127.0.0.1:" + server.apiPort();
    }

    public HttpResponse<String> call(String method, String path, @Nullable String body) throws Exception {
        return call(method, path, body, adminToken);
    }

    public HttpResponse<String> call(String method, String path, @Nullable String body, @Nullable String token) throws Exception {
        return call(method, path, body, token, body == null ? null : "application/json");
    }

    /** With the {@code Content-Type} given ({@code null}: none). */
    public HttpResponse<String> call(String method, String path, @Nullable String body, @Nullable String token,
            @Nullable String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        server.close();
    }
}
