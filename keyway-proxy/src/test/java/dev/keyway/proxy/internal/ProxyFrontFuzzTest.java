package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import dev.keyway.proxy.ProxyConfig;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.UpstreamAddressPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target for the proxy front: raw client bytes (request line, headers, chunked framing, several
 * requests on one connection) through the real pipeline of {@link ClientInitializer} on an {@link
 * EmbeddedChannel}, against a policy that authenticates one token and allows nothing. Whatever the
 * bytes and however they are split into reads: no exception escapes the pipeline, everything the
 * proxy writes is an HTTP/1.1 response, no response is a success (only an interim {@code 100
 * Continue} or an error, except the {@code 200 Connection Established} of an authenticated CONNECT
 * that the policy denied, whose refusal is answered inside the tunnel; nothing is forwarded: the
 * policy is never asked to forward), and no response carries a stack trace.
 */
class ProxyFrontFuzzTest {
    private static final ExecutorService BLOCKING = Executors.newVirtualThreadPerTaskExecutor();
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static final ProxyPolicy POLICY = new ProxyPolicy() {
        @Override
        public AuthResult authenticate(@Nullable String header, InetSocketAddress client) {
            return "Bearer good".equals(header)
                    ? new AuthResult.Authenticated(new ProxyPrincipal("t", "agent", "v", "v"))
                    : new AuthResult.Rejected(new ProxyProblem(ErrorType.PROXY_AUTH_REQUIRED, "token needed"));
        }

        @Override
        public ConnectDecision onConnect(ProxyPrincipal p, String host, int port) {
            return new ConnectDecision.Deny(new ProxyProblem(ErrorType.UNMATCHED_HOST_DENIED, "no"));
        }

        @Override
        public RequestDecision onRequest(ProxyPrincipal p, RequestHead head) {
            REQUESTS.incrementAndGet();
            return new RequestDecision.Deny(new ProxyProblem(ErrorType.SERVICE_RULE_DENIED, "no"), null);
        }

        @Override
        public boolean isActive(ProxyPrincipal p) {
            return true;
        }
    };
    private static final ProxyContext PX = new ProxyContext(ProxyConfig.defaults(), POLICY, new AuditSink() {
        @Override
        public CompletableFuture<Void> decision(ProxyAuditEvent event) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void completed(ProxyAuditEvent event) {}
    }, (host, addrs) -> new UpstreamAddressPolicy.Vetted.Allowed(addrs),
            new TlsContexts(h -> new CompletableFuture<>(), null), BLOCKING, NioSocketChannel.class);

    public static void fuzzerTestOneInput(byte[] data) {
        FuzzInput in = FuzzInput.of(data);
        int split1 = in.intIn(0, 255);
        int split2 = in.intIn(0, 255);
        byte[] wire = in.rest();
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInitializer<>() {
            @Override
            protected void initChannel(io.netty.channel.Channel c) {
                ClientInitializer.configure(c.pipeline(), PX);
            }
        }) {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("127.0.0.1", 5555);
            }
        };
        StringBuilder out = new StringBuilder();
        try {
            int a = Math.min(split1, wire.length);
            int b = Math.min(a + split2, wire.length);
            for (byte[] part : new byte[][] {Arrays.copyOfRange(wire, 0, a), Arrays.copyOfRange(wire, a, b),
                Arrays.copyOfRange(wire, b, wire.length)}) {
                if (part.length > 0 && ch.isOpen()) {
                    ch.writeInbound(Unpooled.wrappedBuffer(part));
                }
                ch.runPendingTasks();
                drain(ch, out);
                ch.checkException();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        String text = out.toString();
        if (!text.isEmpty()) {
            assertThat(text).startsWith("HTTP/1.1 ");
        }
        for (String response : text.split("(?=HTTP/1\\.1 \\d{3} )")) {
            if (response.isEmpty()) {
                continue;
            }
            if (response.equals("HTTP/1.1 200 Connection Established\r\n\r\n")) {
                // an authenticated CONNECT the policy denied: accepted so that the refusal is answered
                // inside the tunnel (DeniedTunnel); its answer is a 4xx like every other
                continue;
            }
            // an interim 100 Continue may precede the refusal; never another 2xx/3xx
            assertThat(response.charAt(9)).as("status of %s", response).isIn('1', '4', '5');
            assertThat(response).doesNotContain("Exception", "\tat ", "dev.keyway.");
        }
    }

    private static void drain(EmbeddedChannel ch, StringBuilder out) {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof ByteBuf b) {
                out.append(b.toString(StandardCharsets.ISO_8859_1));
                b.release();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, ProxyFrontFuzzTest::fuzzerTestOneInput);
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(ProxyFrontFuzzTest.class, 1_500);
    }
}
