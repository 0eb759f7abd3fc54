package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.cli.ApiTransport.Header;
import dev.keyway.cli.ApiTransport.Limits;
import dev.keyway.cli.ApiTransport.Reply;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The CLI's HTTP/1.1 transport for http:// API URLs: framing, bounds and failures. */
class PlainHttpTest {
    private static final int MAX = 64;

    private static Reply parse(String answer) throws IOException {
        return parse(answer, "GET");
    }

    private static Reply parse(String answer, String method) throws IOException {
        return PlainHttp.readReply(new ByteArrayInputStream(answer.getBytes(StandardCharsets.ISO_8859_1)), method, MAX);
    }

    static Stream<Arguments> wellFormed() {
        return Stream.of(
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "hello"),
                Arguments.of("HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Length: 5\r\n\r\nhelloEXTRA", 200, "hello"),
                Arguments.of("HTTP/1.1 201 \r\nContent-Length: 0\r\n\r\n", 201, ""),
                Arguments.of("HTTP/1.1 204\r\n\r\n", 204, ""),
                Arguments.of("HTTP/1.0 200 OK\r\n\r\nto the end", 200, "to the end"),
                Arguments.of("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 200, "ok"),
                Arguments.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n",
                        200, "hello!"),
                Arguments.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", 200, "0123456789"),
                Arguments.of("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}", 404, "{}"),
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n\u00c3\u00a9t\u00c3\u00a9", 200, "\u00e9t\u00e9"),
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: " + MAX + "\r\n\r\n" + "x".repeat(MAX), 200, "x".repeat(MAX)));
    }

    @ParameterizedTest
    @MethodSource("wellFormed")
    void readsTheAnswer(String answer, int status, String body) throws IOException {
        assertThat(parse(answer)).isEqualTo(new Reply(status, body));
    }

    @Test
    void aHeadAnswerHasNoBodyWhateverItsLength() throws IOException {
        assertThat(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD")).isEqualTo(new Reply(200, ""));
    }

    static Stream<Arguments> malformed() {
        String many = "X-A: 1\r\n".repeat(PlainHttp.MAX_HEADERS + 1);
        return Stream.of(
                Arguments.of("", EOFException.class),
                Arguments.of("SSH-2.0-OpenSSH\r\n\r\n", IOException.class),
                Arguments.of("HTTP/1.1 2000 OK\r\n\r\n", IOException.class),
                Arguments.of("HTTP/1.1 20x OK\r\n\r\n", IOException.class),
                Arguments.of("HTTP/2 200\r\n\r\n", IOException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", EOFException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", IOException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", IOException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", EOFException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", IOException.class),
                Arguments.of("HTTP/1.1 200 OK\r\n" + many + "\r\n", IOException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(PlainHttp.MAX_LINE) + "\r\n\r\n", IOException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", IOException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", IOException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n", IOException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", EOFException.class),
                Arguments.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", EOFException.class));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void rejectsAMalformedOrTruncatedAnswer(String answer, Class<? extends IOException> expected) {
        assertThatThrownBy(() -> parse(answer)).isInstanceOf(expected).isNotInstanceOf(ApiTransport.TooLarge.class);
    }

    static Stream<String> oversize() {
        return Stream.of(
                // declared: refused before reading
                "HTTP/1.1 200 OK\r\nContent-Length: " + (MAX + 1) + "\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n",
                // undeclared, read to the end
                "HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(MAX + 1),
                // chunked: the sum of the chunks counts
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + "x".repeat(32) + "\r\n21\r\n" + "y".repeat(33)
                        + "\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n");
    }

    @ParameterizedTest
    @MethodSource("oversize")
    void refusesABodyOverTheLimit(String answer) {
        assertThatThrownBy(() -> parse(answer)).isInstanceOf(ApiTransport.TooLarge.class).hasMessage(
                "the server's answer is larger than 64 bytes");
    }

    @Test
    void sendsOneHttp11RequestWithItsHeadersAndBody() throws Exception {
        try (RawHttpServer server = new RawHttpServer("HTTP/1.1 201 Created\r\nContent-Length: 8\r\n\r\n{\"id\":1}")) {
            byte[] body = "{\"name\":\"\u00e9\"}".getBytes(StandardCharsets.UTF_8);
            Reply r = new PlainHttp(Limits.DEFAULT).exchange("POST", URI.create(server.base() + "/v1/tokens?vault=a%20b"),
                    List.of(new Header("Authorization", "Bearer kw_x"), new Header("Content-Type", "application/json")), body);
            assertThat(r).isEqualTo(new Reply(201, "{\"id\":1}"));
            assertThat(server.take()).isEqualTo("POST /v1/tokens?vault=a%20b HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + server.port() + "\r\n"
                    + "Authorization: Bearer kw_x\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n"
                    + "Connection: close\r\n\r\n"
                    + new String(body, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void aGetWithoutBodyHasNoContentLengthAndARootPath() throws Exception {
        try (RawHttpServer server = new RawHttpServer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) {
            new PlainHttp(Limits.DEFAULT).exchange("GET", URI.create(server.base()), List.of(), null);
            assertThat(server.take()).isEqualTo("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                    + "\r\nConnection: close\r\n\r\n");
        }
    }

    @Test
    void aSilentServerTimesOutAtTheDeadline() throws Exception {
        try (RawHttpServer server = RawHttpServer.silent()) {
            Limits limits = new Limits(Duration.ofSeconds(5), Duration.ofMillis(300), MAX);
            assertThatThrownBy(() -> new PlainHttp(limits).exchange("GET", URI.create(server.base() + "/v1/status"), List.of(), null))
                    .isInstanceOf(SocketTimeoutException.class).hasMessage("request timed out");
            assertThat(server.take()).startsWith("GET /v1/status HTTP/1.1\r\n");
        }
    }

    static Stream<Header> splitting() {
        return Stream.of(new Header("Authorization", "Bearer a\r\nX-Evil: 1"), new Header("X-Keyway-Vault", "v\n"),
                new Header("X-A", "nul\0"), new Header("Bad Name", "v"), new Header("", "v"), new Header("X:Y", "v"));
    }

    @ParameterizedTest
    @MethodSource("splitting")
    void refusesAHeaderThatCouldSplitTheRequest(Header h) {
        assertThatThrownBy(() -> PlainHttp.requestHead("GET", URI.create("http://127.0.0.1:1/"), "127.0.0.1", List.of(h), null))
                .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("Bearer a").doesNotContain("nul");
    }
}
