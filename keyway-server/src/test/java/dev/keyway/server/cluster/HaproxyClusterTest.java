package dev.keyway.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.cluster.ClusterNodes.Node;
import dev.keyway.server.cluster.ClusterNodes.Proxied;
import dev.keyway.server.cluster.ClusterNodes.Upstream;
import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresUrl;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three nodes on one PostgreSQL database behind a real HAProxy (Debian {@code haproxy}): the proxy
 * port balanced at L4, health-checked on {@code /ready}, as in docs/deploy-cluster.md. A bounded load
 * loop through HAProxy gets the credential injected on every response; a token revoked through one
 * node is refused through every node; with one node gone the others keep serving and clients that
 * reconnect succeed.
 */
class HaproxyClusterTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String haproxyBinary() {
        for (String d : List.of("/usr/sbin", "/usr/local/sbin", "/usr/bin")) {
            if (Files.isExecutable(Path.of(d, "haproxy"))) {
                return d + "/haproxy";
            }
        }
        throw new AssertionError("this test needs HAProxy: install the Debian package 'haproxy' (.ci/run does this)");
    }

    static String config(int proxyFront, int apiFront, List<Node> nodes) {
        StringBuilder proxies = new StringBuilder();
        StringBuilder apis = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            proxies.append("    server n").append(i).append(" 127.0.0.1:").append(n.server().proxyPort())
                    .append(" check port ").append(n.server().apiPort()).append('\n');
            apis.append("    server n").append(i).append(" 127.0.0.1:").append(n.server().apiPort()).append(" check\n");
        }
        return """
                global
                    maxconn 1024
                defaults
                    timeout connect 2s
                    timeout client 30s
                    timeout server 30s
                    retries 3
                    option redispatch
                frontend keyway_proxy
                    mode tcp
                    bind 127.0.0.1:%d
                    default_backend keyway_proxy_nodes
                backend keyway_proxy_nodes
                    mode tcp
                    balance roundrobin
                    option httpchk GET /ready
                    default-server inter 300ms fall 1 rise 2
                %sfrontend keyway_api
                    mode http
                    bind 127.0.0.1:%d
                    default_backend keyway_api_nodes
                backend keyway_api_nodes
                    mode http
                    balance roundrobin
                    option httpchk GET /ready
                    default-server inter 300ms fall 1 rise 2
                %s""".formatted(proxyFront, proxies, apiFront, apis);
    }

    private static Proxied through(int port, Upstream up, String token) {
        try {
            return ClusterNodes.get(port, up.port(), token);
        } catch (IOException e) {
            return new Proxied(-1, null); // connection failed: the client reconnects
        }
    }

    @Test
    void threeNodesBehindHaproxyInjectEverywhereRefuseRevokedTokensEverywhereAndSurviveANodeLoss() throws Exception {
        String haproxy = haproxyBinary();
        PostgresUrl db = PG.newDatabase();
        List<Node> nodes = new ArrayList<>();
        Process lb = null;
        try (Upstream upstream = new Upstream()) {
            for (String name : List.of("a", "b", "c")) {
                nodes.add(ClusterNodes.start(dir.resolve(name), db, "node-" + name, ClusterNodes.PASSWORD));
            }
            Node a = nodes.get(0);
            ClusterNodes.configure(a, upstream);
            int proxyFront = freePort();
            int apiFront = freePort();
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, config(proxyFront, apiFront, nodes));
            Path log = dir.resolve("haproxy.log");
            lb = new ProcessBuilder(haproxy, "-db", "-f", cfg.toString()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            Process started = lb;
            assertThat(ClusterNodes.await(Duration.ofSeconds(20), () -> {
                try (Socket s = new Socket("127.0.0.1", proxyFront)) {
                    return started.isAlive();
                } catch (IOException e) {
                    return false;
                }
            })).as("haproxy listening; log: %s", log).isTrue();

            JsonNode t = JsonMapper.builder().build().readTree(ClusterNodes.ok(a.call("POST", "/v1/tokens",
                    "{\"vault\":\"default\",\"ttl\":\"1h\"}")));
            String token = t.get("token").asString();
            // every node knows the token (each is asked directly) before the load loop starts
            for (Node n : nodes) {
                assertThat(ClusterNodes.await(Duration.ofSeconds(10),
                        () -> through(n.server().proxyPort(), upstream, token).status() == 200)).isTrue();
            }

            // bounded load loop through HAProxy: every response is the upstream's, with the credential injected
            int before = upstream.seen.size();
            int requests = 60;
            for (int i = 0; i < requests; i++) {
                assertThat(through(proxyFront, upstream, token).status()).as("request %d through HAProxy", i).isEqualTo(200);
            }
            List<String> seen = new ArrayList<>(upstream.seen).subList(before, before + requests);
            assertThat(seen).hasSize(requests).allMatch(h -> h.equals("Bearer " + ClusterNodes.SECRET));

            // revoke through the API frontend (any node): refused by every node, directly and through HAProxy
            ClusterNodes.ok(a.call("DELETE", "/v1/tokens/" + t.get("id").asString(), null));
            for (Node n : nodes) {
                long start = System.nanoTime();
                assertThat(ClusterNodes.await(Duration.ofSeconds(5),
                        () -> ClusterTest.refused(through(n.server().proxyPort(), upstream, token)))).isTrue();
                System.out.printf("revoked token refused by %s after %d ms%n", n.server().clusterSync() == null ? "?" : "node",
                        (System.nanoTime() - start) / 1_000_000);
            }
            for (int i = 0; i < 9; i++) {
                assertThat(ClusterTest.refused(through(proxyFront, upstream, token))).as("refused through HAProxy").isTrue();
            }

            // node b goes away mid-service: requests through HAProxy keep succeeding (a client retries once
            // if its connection happened to land on b before the health check noticed)
            String fresh = JsonMapper.builder().build().readTree(ClusterNodes.ok(nodes.get(2).call("POST", "/v1/tokens",
                    "{\"vault\":\"default\",\"ttl\":\"1h\"}"))).get("token").asString();
            for (Node n : List.of(nodes.get(0), nodes.get(2))) {
                assertThat(ClusterNodes.await(Duration.ofSeconds(10),
                        () -> through(n.server().proxyPort(), upstream, fresh).status() == 200)).isTrue();
            }
            nodes.get(1).close();
            nodes.set(1, null);
            int failedFirstTry = 0;
            for (int i = 0; i < 30; i++) {
                Proxied p = through(proxyFront, upstream, fresh);
                if (p.status() != 200) {
                    failedFirstTry++;
                    p = through(proxyFront, upstream, fresh);
                }
                assertThat(p.status()).as("request %d after node b stopped (with one reconnect)", i).isEqualTo(200);
            }
            System.out.printf("after node b stopped: %d of 30 requests needed a reconnect%n", failedFirstTry);
        } finally {
            if (lb != null) {
                lb.destroy();
                if (!lb.waitFor(10, TimeUnit.SECONDS)) {
                    lb.destroyForcibly();
                }
            }
            for (Node n : nodes) {
                if (n != null) {
                    n.close();
                }
            }
        }
    }
}
