package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.proxy.ProxyConfig;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.UpstreamAddressPolicy;
import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.ProxyProblem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The request-entry handler on an {@link EmbeddedChannel}: raw bytes in, raw bytes out, no sockets. */
class EntryHandlerTest {
    private final List<ProxyAuditEvent> audit = new CopyOnWriteArrayList<>();
    private final ProxyPolicy policy = new ProxyPolicy() {
        @Override
        public AuthResult authenticate(@Nullable String header, InetSocketAddress client) {
            return header == null
                    ? new AuthResult.Rejected(new ProxyProblem(ErrorType.PROXY_AUTH_REQUIRED, "credentials needed"))
                    : new AuthResult.Authenticated(new ProxyPrincipal("t", "a", "v", "v"));
        }

        @Override
        public ConnectDecision onConnect(ProxyPrincipal p, String host, int port) {
            return new ConnectDecision.Deny(new ProxyProblem(ErrorType.UNMATCHED_HOST_DENIED, "no"));
        }

        @Override
        public RequestDecision onRequest(ProxyPrincipal p, RequestHead head) {
            return new RequestDecision.Deny(new ProxyProblem(ErrorType.SERVICE_RULE_DENIED, "no"), null);
        }

        @Override
        public boolean isActive(ProxyPrincipal p) {
            return true;
        }
    };
    private final ProxyContext px = new ProxyContext(ProxyConfig.defaults(), policy, new AuditSink() {
        @Override
        public CompletableFuture<Void> decision(ProxyAuditEvent event) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void completed(ProxyAuditEvent event) {
            audit.add(event);
        }
    }, (host, addrs) -> new UpstreamAddressPolicy.Vetted.Allowed(addrs),
            new TlsContexts(h -> new CompletableFuture<>(), null), Executors.newVirtualThreadPerTaskExecutor(),
            NioSocketChannel.class);
    private final EmbeddedChannel ch = new EmbeddedChannel() {
        @Override
        protected java.net.SocketAddress remoteAddress0() {
            return new InetSocketAddress("127.0.0.1", 5555);
        }
    };

    {
        ch.pipeline().addLast("codec", new HttpServerCodec()).addLast("entry", new EntryHandler(px));
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private String exchange(String request) {
        ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void originFormIsRejectedAndClosed() {
        String out = exchange("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 400 ").contains("Keyway-Error: origin-form-rejected")
                .contains("connection: close");
        assertThat(ch.isOpen()).isFalse();
        assertThat(audit).singleElement().satisfies(e -> assertThat(e.errorType()).isEqualTo("origin-form-rejected"));
    }

    @Test
    void missingCredentialsKeepTheConnectionForARetry() {
        String out = exchange("CONNECT api.test:443 HTTP/1.1\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 407 ").contains("proxy-authenticate: Basic realm=\"keyway\"")
                .doesNotContain("connection: close");
        assertThat(ch.isOpen()).isTrue();
        String second = exchange("CONNECT api.test:443 HTTP/1.1\r\nProxy-Authorization: Bearer t\r\n\r\n");
        assertThat(second).startsWith("HTTP/1.1 200 "); // denied, but answered inside the tunnel
    }

    @Test
    void the407ReasonPhraseCarriesTheHint() {
        String out = exchange("CONNECT api.test:443 HTTP/1.1\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 407 Keyway token required: set HTTPS_PROXY=http://TOKEN:VAULT@host:port\r\n")
                .contains("credentials needed"); // the body keeps the policy's detail
    }

    @Test
    void deniedConnectIsAnsweredInsideTheTunnelAndAuditedOnce() {
        String established = exchange("CONNECT api.test:443 HTTP/1.1\r\nProxy-Authorization: Bearer t\r\n\r\n");
        assertThat(established).isEqualTo("HTTP/1.1 200 Connection Established\r\n\r\n");
        assertThat(ch.isOpen()).isTrue();
        assertThat(audit).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("denied");
            assertThat(e.method()).isEqualTo("CONNECT");
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.errorType()).isEqualTo("unmatched-host-denied");
            assertThat(e.tokenId()).isEqualTo("t");
        });
        // a client speaking plaintext HTTP in the tunnel (no TLS to intercept) gets the problem in plaintext
        String answer = exchange("GET /v1/x HTTP/1.1\r\nHost: api.test\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 403 ").contains("Keyway-Error: unmatched-host-denied")
                .contains("application/problem+json").contains("\"detail\":\"no\"");
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(audit).hasSize(1); // the answer adds no record
    }

    @Test
    void deniedConnectWithNonHttpBytesInTheTunnelCloses() {
        exchange("CONNECT api.test:443 HTTP/1.1\r\nProxy-Authorization: Bearer t\r\n\r\n");
        String answer = exchange("\u0000\u0001garbage\r\n\r\n");
        assertThat(answer).doesNotContain("Keyway-Error");
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void deliveryOfADenial() {
        // table: a 407 stays at CONNECT (it is about the proxy credentials), every other denial goes in the tunnel
        for (ErrorType t : ErrorType.values()) {
            ConnectDecision.Delivery expected = t.status() == 407
                    ? ConnectDecision.Delivery.AT_CONNECT : ConnectDecision.Delivery.IN_TUNNEL;
            assertThat(new ConnectDecision.Deny(new ProxyProblem(t, "x")).delivery()).as(t.slug()).isEqualTo(expected);
        }
    }

    @Test
    void bodyOfARejectedRequestIsDiscardedBeforeTheNextRequest() {
        String out = exchange("POST http://plain.test/ HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                + "CONNECT api.test:443 HTTP/1.1\r\n\r\n");
        assertThat(out.split("HTTP/1.1 407 ", -1)).hasSize(3); // two 407s, the body was not parsed as a request
        assertThat(ch.isOpen()).isTrue();
    }
}
