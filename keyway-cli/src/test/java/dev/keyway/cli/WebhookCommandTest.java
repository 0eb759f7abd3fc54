package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keyway webhook ...} against a real server and a local receiver. */
class WebhookCommandTest {
    @TempDir
    Path tmp;

    @Test
    void addListTestRemove() throws Exception {
        BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
        ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            Integer s = statuses.poll();
            ex.sendResponseHeaders(s == null ? 200 : s, -1);
            ex.close();
        });
        receiver.start();
        try (CliServer cs = new CliServer(tmp.resolve("data"))) {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/services/T0/SECRETPART";
            CliServer.Result add = cs.admin("webhook add", url, "--format", "slack");
            assertThat(add.exit()).as(add.err()).isZero();
            assertThat(add.out()).doesNotContain("SECRETPART");
            Matcher m = Pattern.compile("Added webhook (whk_[a-z0-9]+) \\(slack\\)").matcher(add.out());
            assertThat(m.find()).as(add.out()).isTrue();
            String id = m.group(1);

            CliServer.Result test = cs.admin("webhook test", id);
            assertThat(test.exit()).as(test.err()).isZero();
            assertThat(test.out()).contains("Delivered a test message to webhook " + id + " (HTTP 200)");
            assertThat(bodies.poll(10, TimeUnit.SECONDS)).contains("\"text\"").contains("Keyway webhook test");

            statuses.add(500);
            CliServer.Result failed = cs.admin("webhook test", id);
            assertThat(failed.exit()).isEqualTo(ExitCodes.FAILURE);
            assertThat(failed.err()).contains("failed: HTTP 500");
            CliServer.Result list = cs.admin("webhook list");
            assertThat(list.out()).contains(id).contains("slack").contains("HTTP 500").doesNotContain("SECRETPART");
            assertThat(ApiClient.JSON.readTree(cs.admin("webhook list", "--json").out()).get(0).get("failures").asInt()).isEqualTo(1);

            assertThat(cs.admin("webhook add", "ftp://nope.example.com/").exit()).isEqualTo(ExitCodes.CONFLICT);
            assertThat(cs.admin("webhook remove", id).out()).contains("Removed webhook " + id);
            assertThat(cs.admin("webhook remove", id).exit()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(cs.admin("webhook list").out()).contains("(none)");
        } finally {
            receiver.stop(0);
        }
    }
}
