package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.ProxyConfig;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.UpstreamAddressPolicy;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The send gate: nothing is forwarded unless the durable decision record was written. Each way
 * the audit sink can answer (written, failed later, failed at once) leads to exactly one of
 * "ready" or a 503 {@code audit-unavailable}, on the channel's event loop.
 */
class DecisionGateTest {
    private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final List<String> outcomes = new ArrayList<>();

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        blocking.close();
    }

    private boolean await(Supplier<CompletableFuture<Void>> decision) {
        AuditSink sink = new AuditSink() {
            @Override
            public CompletableFuture<Void> decision(ProxyAuditEvent event) {
                return decision.get();
            }

            @Override
            public void completed(ProxyAuditEvent event) {}
        };
        // the gate never consults the policy
        ProxyPolicy policy = (ProxyPolicy) Proxy.newProxyInstance(ProxyPolicy.class.getClassLoader(),
                new Class<?>[] {ProxyPolicy.class}, (p, m, a) -> {
                    throw new UnsupportedOperationException(m.getName());
                });
        ProxyContext px = new ProxyContext(ProxyConfig.defaults(), policy, sink,
                (host, addrs) -> new UpstreamAddressPolicy.Vetted.Allowed(addrs),
                new TlsContexts(h -> new CompletableFuture<>(), null), blocking, NioSocketChannel.class);
        AuditEvents.Base base = AuditEvents.base("request", "req-1", null, null, "GET", "api.test", 443, "/x");
        return DecisionGate.await(px, base, ch.eventLoop(), () -> outcomes.add("ready"),
                (ProxyProblem p) -> outcomes.add(p.type() + ": " + p.detail()));
    }

    @Test
    void aWrittenDecisionLetsTheRequestGoOnTheEventLoop() {
        assertThat(await(() -> CompletableFuture.completedFuture(null))).isTrue();
        assertThat(outcomes).isEmpty(); // not inline: on the loop
        ch.runPendingTasks();
        assertThat(outcomes).containsExactly("ready");
    }

    @Test
    void aDecisionThatFailsLaterRefusesWithAuditUnavailable() {
        assertThat(await(() -> CompletableFuture.failedFuture(new java.io.IOException("disk full")))).isTrue();
        ch.runPendingTasks();
        assertThat(outcomes).containsExactly(ErrorType.AUDIT_UNAVAILABLE + ": " + DecisionGate.REFUSED);
    }

    @Test
    void aSinkThatThrowsAtOnceRefusesAndSaysSo() {
        assertThat(await(() -> {
            throw new IllegalStateException("audit closed");
        })).isFalse();
        ch.runPendingTasks();
        assertThat(outcomes).containsExactly(ErrorType.AUDIT_UNAVAILABLE + ": " + DecisionGate.REFUSED);
    }
}
