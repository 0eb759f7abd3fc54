package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway service add --require-approval} and {@code keyway approval list|approve|deny}
 * against a real server, with a raw HTTPS client through the proxy that is held until the CLI
 * decides. Waits are bounded polls for a state, never timing assertions.
 */
class CliApprovalTest {
    @TempDir
    Path tmp;

    @Test
    void heldRequestIsListedDeniedWithAReasonAndApprovedForAWhile() throws Exception {
        try (CliServer cs = new CliServer(tmp.resolve("data"))) {
            CliServer.Result cred = cs.admin("credential set", "KEY", "--from-file", write("sk-cli-approval").toString());
            assertThat(cred.exit()).as(cred.err()).isZero();
            CliServer.Result add = cs.admin("service add", "ext", "--host", "api.keyway-approval.example", "--bearer", "KEY",
                    "--allow-private", "--require-approval", "--approval-methods", "POST,DELETE", "--approval-timeout", "5m");
            assertThat(add.exit()).as(add.err()).isZero();
            JsonNode svc = ApiClient.JSON.readTree(cs.admin("service show", "ext").out());
            assertThat(svc.get("approval").toString()).isEqualTo("{\"methods\":[\"POST\",\"DELETE\"],\"timeout\":\"5m\"}");
            assertThat(cs.admin("service add", "bad", "--host", "x.example.com", "--bearer", "KEY", "--approval-timeout", "5m")
                    .exit()).isEqualTo(ExitCodes.USAGE);
            assertThat(cs.admin("approval list").out()).contains("No requests waiting for approval in vault default");

            String token = cs.admin("token create", "--vault", "default", "--ttl", "1h").out().strip();
            Path ca = cs.dataDir.resolve("ca.pem");
            CompletableFuture<String> denied = send(cs, token, ca, "DELETE", "/repos/x");
            String id = awaitPending(cs, denied);
            CliServer.Result list = cs.admin("approval list");
            assertThat(list.out()).contains(id).contains("pending").contains("DELETE api.keyway-approval.example/repos/x");
            CliServer.Result deny = cs.admin("approval deny", id, "--reason", "no deletes today");
            assertThat(deny.exit()).as(deny.err()).isZero();
            assertThat(deny.out()).contains("Denied " + id);
            assertThat(denied.get(60, TimeUnit.SECONDS)).startsWith("HTTP/1.1 403");
            assertThat(cs.admin("approval deny", id).exit()).as("decided once").isEqualTo(ExitCodes.CONFLICT);

            CompletableFuture<String> approved = send(cs, token, ca, "POST", "/issues");
            String second = awaitPending(cs, approved);
            CliServer.Result ok = cs.admin("approval approve", second, "--for", "15m");
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("Approved " + second).contains("and the same request until");
            // approved: the proxy goes on to the upstream (a reserved .example name: it does not resolve) instead of a 403
            assertThat(approved.get(60, TimeUnit.SECONDS)).startsWith("HTTP/1.1 5");
            JsonNode all = ApiClient.JSON.readTree(cs.admin("approval list", "--all", "--json").out());
            assertThat(all).hasSize(2);
            assertThat(all.get(0).get("state").asString()).isEqualTo("approved");
            assertThat(all.get(0).get("decided_by").asString()).isEqualTo("local-admin");
            assertThat(all.get(1).get("reason").asString()).isEqualTo("no deletes today");
        }
    }

    private Path write(String value) throws Exception {
        Path f = tmp.resolve("value.txt");
        java.nio.file.Files.writeString(f, value);
        return f;
    }

    private static CompletableFuture<String> send(CliServer cs, String token, Path ca, String method, String path) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                byte[] head = (method + " " + path + " HTTP/1.1\r\nHost: api.keyway-approval.example\r\nContent-Length: 2\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                return ThroughProxy.send(cs.server.proxyPort(), token + ":default", "api.keyway-approval.example", 443, ca, head,
                        "{}".getBytes(StandardCharsets.US_ASCII));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String awaitPending(CliServer cs, CompletableFuture<String> client) throws InterruptedException {
        Pattern p = Pattern.compile("(apr_[a-z0-9]+)\\s+pending");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && !client.isDone()) {
            Matcher m = p.matcher(cs.admin("approval list").out());
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no pending approval appeared; the client got " + client.handle((r, e) -> r != null ? r
                : String.valueOf(e)).getNow("nothing yet"));
    }
}
