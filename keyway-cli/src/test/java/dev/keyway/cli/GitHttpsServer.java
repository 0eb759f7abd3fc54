package dev.keyway.cli;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A private git repository over smart HTTPS: {@code git http-backend} as CGI behind the JDK's HTTPS
 * server, answering 401 unless the request carries the expected Authorization header (which only
 * the Keyway proxy can add).
 */
final class GitHttpsServer implements AutoCloseable {
    static final String BACKEND = "/usr/lib/git-core/git-http-backend";
    final AtomicInteger unauthorized = new AtomicInteger();
    final AtomicInteger served = new AtomicInteger();
    private final HttpsServer server;
    private final String expectedAuth;

    GitHttpsServer(SSLContext tls, Path root, String expectedAuth) throws Exception {
        if (!Files.isExecutable(Path.of(BACKEND))) {
            throw new AssertionError(BACKEND + " is required for this test (.ci/run installs git)");
        }
        this.expectedAuth = expectedAuth;
        Path repos = Files.createDirectories(root.resolve("repos"));
        git(root, "init", "-q", "--bare", "-b", "main", repos.resolve("r.git").toString());
        Path seed = root.resolve("seed");
        git(root, "init", "-q", "-b", "main", seed.toString());
        Files.writeString(seed.resolve("README"), "hello through keyway run\n");
        git(seed, "add", "README");
        git(seed, "commit", "-q", "-m", "seed");
        git(seed, "push", "-q", repos.resolve("r.git").toString(), "main");
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
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

    int port() {
        return server.getAddress().getPort();
    }

    private void cgi(HttpExchange ex, Path repos) throws IOException, InterruptedException {
        if (!expectedAuth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
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
        for (String[] h : new String[][] {{"Content-Type", "CONTENT_TYPE"}, {"Content-Encoding", "HTTP_CONTENT_ENCODING"},
            {"Git-Protocol", "GIT_PROTOCOL"}}) {
            String v = ex.getRequestHeaders().getFirst(h[0]);
            if (v != null) {
                env.put(h[1], v);
            }
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

    private static void git(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.name=t", "-c", "user.email=t@example.test"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("HOME", cwd.toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("git " + cmd + " failed: " + out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
