package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real git over smart HTTP through the proxy: {@code git http-backend} runs as CGI behind a small
 * HTTPS server that demands the credential only the proxy knows (Basic x-access-token:REAL-SECRET).
 */
class GitTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    private static final String BACKEND = "/usr/lib/git-core/git-http-backend";
    private static final String EXPECTED_AUTH = "Basic " + Base64.getEncoder().encodeToString(
            ("x-access-token:" + ProxyFixture.GIT_SECRET).getBytes(StandardCharsets.UTF_8));

    private HttpsServer server;
    private Path root;
    private final AtomicInteger unauthorized = new AtomicInteger();
    private final AtomicInteger served = new AtomicInteger();

    @BeforeEach
    void startGitServer() throws Exception {
        assertThat(Path.of(BACKEND)).as("git-http-backend is required").isExecutable();
        root = Files.createTempDirectory(px.dir, "git");
        Path repos = Files.createDirectories(root.resolve("repos"));
        git(root, "init", "-q", "--bare", "-b", "main", repos.resolve("r.git").toString());
        Path seed = root.resolve("seed");
        git(root, "init", "-q", "-b", "main", seed.toString());
        Files.writeString(seed.resolve("README"), "hello through keyway\n");
        git(seed, "add", "README");
        git(seed, "commit", "-q", "-m", "seed");
        git(seed, "push", "-q", repos.resolve("r.git").toString(), "main");

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(px.upstreamServerCerts.sslContext()));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/git/", ex -> {
            try {
                cgi(ex, repos);
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
            } finally {
                ex.close();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void cgi(HttpExchange ex, Path repos) throws IOException, InterruptedException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (!EXPECTED_AUTH.equals(auth)) {
            unauthorized.incrementAndGet();
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"git\"");
            ex.sendResponseHeaders(401, -1);
            return;
        }
        served.incrementAndGet();
        ProcessBuilder pb = new ProcessBuilder(BACKEND);
        Map<String, String> env = pb.environment();
        env.put("GIT_PROJECT_ROOT", repos.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("REMOTE_USER", "x-access-token");
        env.put("REQUEST_METHOD", ex.getRequestMethod());
        env.put("PATH_INFO", ex.getRequestURI().getRawPath().substring("/git".length()));
        env.put("QUERY_STRING", ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery());
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        if (ct != null) {
            env.put("CONTENT_TYPE", ct);
        }
        String ce = ex.getRequestHeaders().getFirst("Content-Encoding");
        if (ce != null) {
            env.put("HTTP_CONTENT_ENCODING", ce);
        }
        String proto = ex.getRequestHeaders().getFirst("Git-Protocol");
        if (proto != null) {
            env.put("GIT_PROTOCOL", proto);
        }
        Process p = pb.start();
        Thread feeder = Thread.ofVirtual().start(() -> {
            try (InputStream in = ex.getRequestBody(); OutputStream out = p.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the backend may exit early
            }
        });
        InputStream out = p.getInputStream();
        int status = 200;
        String line;
        while (!(line = readLine(out)).isEmpty()) {
            int c = line.indexOf(':');
            String name = line.substring(0, c).trim();
            String value = line.substring(c + 1).trim();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.split(" ")[0]);
            } else {
                ex.getResponseHeaders().add(name, value);
            }
        }
        ex.sendResponseHeaders(status, 0);
        try (OutputStream body = ex.getResponseBody()) {
            out.transferTo(body);
        }
        p.waitFor();
        feeder.join();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private Proc.Result git(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Proc.require("git"));
        cmd.addAll(List.of("-c", "user.name=t", "-c", "user.email=t@example.test", "-c", "init.defaultBranch=main"));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>();
        env.put("HOME", px.dir.toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_SSL_CAINFO", px.caPem.toString());
        Proc.Result r = Proc.run(cmd, env, cwd, 60);
        return r;
    }

    private String[] viaProxy(String proxyUrl, String... args) {
        List<String> a = new ArrayList<>(List.of("-c", "http.proxy=" + proxyUrl, "-c", "http.sslCAInfo=" + px.caPem));
        a.addAll(List.of(args));
        return a.toArray(new String[0]);
    }

    private String repoUrl() {
        return "https://git.test:" + server.getAddress().getPort() + "/git/r.git";
    }

    @Test
    void cloneAndPushWithCredentialsInProxyUrl() throws Exception {
        Proc.Result clone = git(root, viaProxy(px.proxyUrl(), "clone", "-q", repoUrl(), "work"));
        assertThat(clone.exit()).as(clone.toString()).isZero();
        Path work = root.resolve("work");
        assertThat(Files.readString(work.resolve("README"))).isEqualTo("hello through keyway\n");

        Files.writeString(work.resolve("NEW"), "pushed\n");
        assertThat(git(work, "add", "NEW").exit()).isZero();
        assertThat(git(work, "commit", "-q", "-m", "push me").exit()).isZero();
        Proc.Result push = git(work, viaProxy(px.proxyUrl(), "push", "-q", "origin", "main"));
        assertThat(push.exit()).as(push.toString()).isZero();

        Proc.Result log = git(root, "--git-dir", root.resolve("repos/r.git").toString(), "log", "--format=%s", "main");
        assertThat(log.out()).startsWith("push me\n");
        assertThat(unauthorized.get()).isZero(); // every request carried the injected credential
        assertThat(served.get()).isGreaterThanOrEqualTo(4);
        assertThat(px.events("request")).anySatisfy(e -> assertThat(e.path()).endsWith("/git-receive-pack"));
    }

    @Test
    void gitWithoutProxyCredentialsGets407() throws Exception {
        Proc.Result clone = git(root, viaProxy(px.proxyUrlNoCreds(), "clone", "-q", repoUrl(), "nope"));
        assertThat(clone.exit()).isNotZero();
        assertThat(clone.err()).contains("407");
        assertThat(served.get()).isZero();
    }

    @Test
    void curlProxyAnyauthRetriesAfter407() throws Exception {
        // libcurl with --proxy-anyauth first sends no credentials, reads the 407's Proxy-Authenticate,
        // then retries with Basic.
        var r = Proc.run(List.of(Proc.require("curl"), "-sS", "-v", "--proxy-anyauth", "--proxy-user", "t0k:v",
                "--proxy", px.proxyUrlNoCreds(), "--cacert", px.caPem.toString(),
                repoUrl() + "/info/refs?service=git-upload-pack"), Map.of(), px.dir, 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("407").contains("200 Connection Established");
        assertThat(r.out()).contains("git-upload-pack");
        // the 407 itself is audited once per address and minute (AuthAuditTest), so not necessarily here
    }
}
