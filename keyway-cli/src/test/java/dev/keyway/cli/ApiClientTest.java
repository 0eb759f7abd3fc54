package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.cli.ApiTransport.Limits;
import dev.keyway.core.error.ErrorType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ApiClient} over its http:// transport against raw servers: the answers and failures a user
 * sees (exit code and message) for problem documents, unreachable and silent servers, oversize
 * answers and bad addresses. The commands' behaviour against a real server is in the Cli*Test classes.
 */
class ApiClientTest {
    private static final Path TOKEN_FILE = Path.of("/nonexistent/admin-token");

    private static String answer(int status, String contentType, String body) {
        return "HTTP/1.1 " + status + " X\r\nContent-Type: " + contentType + "\r\nContent-Length: "
                + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private static CliException failure(Runnable call) {
        try {
            call.run();
        } catch (CliException e) {
            return e;
        }
        throw new AssertionError("no CliException");
    }

    @Test
    void sendsTheTokenAndAJsonBodyAndParsesTheJsonAnswer() throws Exception {
        try (RawHttpServer server = new RawHttpServer(answer(201, "application/json", "{\"token\":\"kw_tok_1\"}"))) {
            ApiClient api = new ApiClient(server.base(), "kw_adm_secret", TOKEN_FILE).withVault("team");
            assertThat(api.post("/v1/tokens", Map.of("ttl", "1h")).get("token").asString()).isEqualTo("kw_tok_1");
            assertThat(server.take()).startsWith("POST /v1/tokens HTTP/1.1\r\n").contains("\r\nAuthorization: Bearer kw_adm_secret\r\n")
                    .contains("\r\nX-Keyway-Vault: team\r\n").contains("\r\nContent-Type: application/json\r\n")
                    .endsWith("\r\n\r\n{\"ttl\":\"1h\"}");
        }
    }

    @Test
    void anEmptyAnswerIsAnEmptyObject() throws Exception {
        try (RawHttpServer server = new RawHttpServer("HTTP/1.1 204 No Content\r\n\r\n")) {
            assertThat(new ApiClient(server.base(), "t", TOKEN_FILE).delete("/v1/tokens/x").isEmpty()).isTrue();
            assertThat(server.take()).startsWith("DELETE /v1/tokens/x HTTP/1.1\r\n").doesNotContain("Content-Length");
        }
    }

    @Test
    void aProblemDocumentBecomesItsDetailAndExitCode() throws Exception {
        String problem = "{\"type\":\"" + ErrorType.NOT_FOUND.uri() + "\",\"title\":\"Not found\",\"status\":404,"
                + "\"detail\":\"no service 'x'\"}";
        try (RawHttpServer server = new RawHttpServer(answer(404, "application/problem+json", problem))) {
            CliException e = failure(() -> new ApiClient(server.base(), "t", TOKEN_FILE).get("/v1/services/x"));
            assertThat(e.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("no service 'x'");
            assertThat(e.problem()).isNotNull();
        }
    }

    @Test
    void aProblemInAChunkedAnswerIsReadToo() throws Exception {
        String problem = "{\"type\":\"" + ErrorType.UNAUTHORIZED.uri() + "\",\"status\":401,\"detail\":\"bad token\"}";
        String chunked = "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/problem+json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(10) + "\r\n" + problem.substring(0, 10) + "\r\n"
                + Integer.toHexString(problem.length() - 10) + "\r\n" + problem.substring(10) + "\r\n0\r\n\r\n";
        try (RawHttpServer server = new RawHttpServer(chunked)) {
            // no token file: the 401 names the missing file instead of the server's detail
            CliException missing = failure(() -> new ApiClient(server.base(), null, TOKEN_FILE).get("/v1/vaults"));
            assertThat(missing.exitCode()).isEqualTo(ExitCodes.PERMISSION);
            assertThat(missing.getMessage()).startsWith("no token: " + TOKEN_FILE + " does not exist");
            CliException sent = failure(() -> new ApiClient(server.base(), "kw_wrong", TOKEN_FILE).get("/v1/vaults"));
            assertThat(sent.exitCode()).isEqualTo(ExitCodes.PERMISSION);
            assertThat(sent.getMessage()).isEqualTo("bad token");
        }
    }

    @Test
    void aNonProblemErrorKeepsTheStatus() throws Exception {
        try (RawHttpServer server = new RawHttpServer(answer(502, "text/html", "<html>bad gateway</html>"))) {
            CliException e = failure(() -> new ApiClient(server.base(), "t", TOKEN_FILE).get("/v1/status"));
            assertThat(e.exitCode()).isEqualTo(ExitCodes.FAILURE);
            assertThat(e.getMessage()).isEqualTo("server answered HTTP 502");
        }
    }

    @Test
    void connectionRefusedIsTheFriendlyUnreachableMessage() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = s.getLocalPort();
        }
        String base = "http://127.0.0.1:" + port;
        CliException e = failure(() -> new ApiClient(base, "t", TOKEN_FILE).get("/v1/status"));
        assertThat(e.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(e.getMessage()).isEqualTo("cannot reach Keyway at " + base
                + " (is the server running? start it with 'keyway server', or set --addr / KEYWAY_ADDR)");
    }

    @Test
    void anUnknownHostIsUnreachable() {
        CliException e = failure(() -> new ApiClient("http://no-such-host.invalid:9790", "t", TOKEN_FILE).get("/v1/status"));
        assertThat(e.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(e.getMessage()).startsWith("cannot reach Keyway at http://no-such-host.invalid:9790 (is the server running?");
    }

    @Test
    void aSilentServerIsUnreachableAfterTheRequestDeadline() throws Exception {
        try (RawHttpServer server = RawHttpServer.silent()) {
            Limits limits = new Limits(Duration.ofSeconds(5), Duration.ofMillis(300), 1024);
            CliException e = failure(() -> new ApiClient(server.base(), "t", TOKEN_FILE, limits).get("/v1/status"));
            assertThat(e.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(e.getMessage()).isEqualTo("cannot reach Keyway at " + server.base() + ": request timed out");
        }
    }

    @Test
    void anOversizeAnswerIsRefused() throws Exception {
        try (RawHttpServer server = new RawHttpServer(answer(200, "application/json", "[" + "1,".repeat(600) + "1]"))) {
            Limits limits = new Limits(Duration.ofSeconds(5), Duration.ofSeconds(30), 1024);
            CliException e = failure(() -> new ApiClient(server.base(), "t", TOKEN_FILE, limits).get("/v1/audit"));
            assertThat(e.exitCode()).isEqualTo(ExitCodes.FAILURE);
            assertThat(e.getMessage()).isEqualTo("the server's answer is larger than 1024 bytes (" + server.base() + "/v1/audit)");
        }
    }

    @Test
    void aTokenWithALineBreakIsRefusedWithoutEchoingIt() throws Exception {
        try (RawHttpServer server = new RawHttpServer(answer(200, "application/json", "{}"))) {
            CliException e = failure(() -> new ApiClient(server.base(), "kw_secret\r\nX-Evil: 1", TOKEN_FILE).get("/v1/status"));
            assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(e.getMessage()).contains("Authorization").doesNotContain("kw_secret").doesNotContain("X-Evil");
        }
    }

    @Test
    void aBadAddressIsAUsageError() {
        for (String bad : new String[] {"not a url", "localhost:9790", "127.0.0.1:9790", "ftp://127.0.0.1:9790", "file:///tmp"}) {
            CliException e = failure(() -> new ApiClient(bad, "t", TOKEN_FILE).get("/v1/status"));
            assertThat(e.exitCode()).as(bad).isEqualTo(ExitCodes.USAGE);
            assertThat(e.getMessage()).isEqualTo("invalid server address '" + bad + "': use a URL like http://127.0.0.1:9790");
        }
    }
}
