package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.keyway.core.source.SourceFailure;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@link SourceHttp#jsonBody}: what every HTTP source makes of an answer's body, over a real HTTP exchange. */
class SourceHttpTest {
    private HttpServer server;
    private volatile byte[] body = new byte[0];
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] b = body;
            ex.sendResponseHeaders(200, b.length == 0 ? -1 : b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        http.close();
    }

    private HttpResponse<InputStream> answer(String text) throws Exception {
        body = text.getBytes(StandardCharsets.UTF_8);
        URI u = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        return http.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"data":{"k":"v"}}  | {"data":{"k":"v"}}
            [1,2]               | [1,2]
            ''                  | {}
            not json            | {}
            {"cut":             | {}
            null                | null
            """)
    void parsesWhatIsThereAndAnEmptyObjectOtherwise(String text, String expected) throws Exception {
        assertThat(SourceHttp.jsonBody(answer(text), 64, "the server").toString()).isEqualTo(expected);
    }

    @Test
    void refusesAnAnswerLargerThanTheBoundNamingWhoAnswered() throws Exception {
        HttpResponse<InputStream> big = answer("{\"v\":\"" + "x".repeat(100) + "\"}");
        assertThatThrownBy(() -> SourceHttp.jsonBody(big, 64, "vault.example: Vault"))
                .isInstanceOfSatisfying(SourceFailure.class, f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.BAD_VALUE))
                .hasMessage("vault.example: Vault answered more than 64 bytes");
    }
}
