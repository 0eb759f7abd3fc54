package dev.keyway.cli;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One request/response exchange with the control-plane API, behind {@link ApiClient}. Two
 * implementations: {@link PlainHttp} for {@code http://} (the default, loopback API: a socket and a
 * small HTTP/1.1 reader, because the JDK {@code HttpClient} costs 0.7 s of CPU per CLI call to start,
 * docs/benchmarks.md "CLI start"), and {@link JdkHttps} for {@code https://} API URLs. Both enforce
 * the same {@link Limits}.
 */
interface ApiTransport {

    /**
     * Sends one request and reads the whole answer.
     *
     * @throws java.net.ConnectException or {@link java.net.UnknownHostException} when nothing listens
     * @throws java.net.SocketTimeoutException when the connect or the whole exchange takes too long
     * @throws TooLarge when the answer's body exceeds {@link Limits#maxBody()}
     * @throws IOException for a broken or malformed answer
     */
    Reply exchange(String method, URI uri, List<Header> headers, byte @Nullable [] body)
            throws IOException, InterruptedException;

    /** A request header; names and values are checked for control characters before anything is sent. */
    record Header(String name, String value) {}

    /** The answer: status code and the body decoded as UTF-8 (empty when there was none). */
    record Reply(int status, String body) {}

    /**
     * The bounds of one exchange: connect timeout, a deadline for the whole exchange (as the JDK
     * client's request timeout: a server that trickles bytes cannot hold the CLI longer), and the
     * largest body accepted.
     */
    record Limits(Duration connect, Duration request, int maxBody) {
        /** What the CLI uses: 5 s to connect, 60 s per exchange, 32 MiB (far above any API answer; it bounds a broken or hostile server). */
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(5), Duration.ofSeconds(60), 32 * 1024 * 1024);
    }

    /** The answer's body is larger than {@link Limits#maxBody()}; nothing of it is returned. */
    final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(int max) {
            super("the server's answer is larger than " + (max >= 1024 * 1024 ? max / (1024 * 1024) + " MiB" : max + " bytes"));
        }
    }
}
