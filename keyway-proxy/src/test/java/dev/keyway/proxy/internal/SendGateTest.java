package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The send gate on an {@link EmbeddedChannel}'s event loop: nothing may be forwarded unless the
 * durable decision record was written. Each way the audit sink can answer (written, failed later,
 * failed at once, not yet) leads to exactly one gate state, at most one of "ready" or a 503
 * {@code audit-unavailable}, and {@link SendGate#mayForward()} true only for a durable record or a
 * request that injected nothing.
 */
class SendGateTest {
    private static final String REFUSED = ErrorType.AUDIT_UNAVAILABLE + ": " + SendGate.REFUSED;

    private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final List<String> outcomes = new ArrayList<>();
    private final List<ProxyAuditEvent> recorded = new ArrayList<>();
    private int commits;
    private SendGate gate;
    private ProxyContext px;
    private AuditEvents.Base base;

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        blocking.close();
    }

    private boolean start(boolean injected, Supplier<CompletableFuture<Void>> decision) {
        AuditSink sink = new AuditSink() {
            @Override
            public CompletableFuture<Void> decision(ProxyAuditEvent event) {
                recorded.add(event);
                return decision.get();
            }

            @Override
            public void commitDecisions() {
                commits++;
            }

            @Override
            public void completed(ProxyAuditEvent event) {}
        };
        // the gate never consults the policy
        ProxyPolicy policy = (ProxyPolicy) Proxy.newProxyInstance(ProxyPolicy.class.getClassLoader(),
                new Class<?>[] {ProxyPolicy.class}, (p, m, a) -> {
                    throw new UnsupportedOperationException(m.getName());
                });
        px = new ProxyContext(ProxyConfig.defaults(), policy, sink,
                (host, addrs) -> new UpstreamAddressPolicy.Vetted.Allowed(addrs),
                new TlsContexts(h -> new CompletableFuture<>(), null), blocking, NioSocketChannel.class);
        base = AuditEvents.base("request", "req-1", null, null, "GET", "api.test", 443, "/x");
        gate = new SendGate(new SendGate.Listener() {
            @Override
            public void gateOpened() {
                outcomes.add("ready");
            }

            @Override
            public void gateRefused(ProxyProblem p) {
                outcomes.add(p.type() + ": " + p.detail());
            }
        }, ch.eventLoop());
        return gate.start(px, base, injected);
    }

    private boolean await(Supplier<CompletableFuture<Void>> decision) {
        return start(true, decision);
    }

    static Stream<Arguments> table() {
        Supplier<CompletableFuture<Void>> written = () -> CompletableFuture.completedFuture(null);
        Supplier<CompletableFuture<Void>> failed = () -> CompletableFuture.failedFuture(new java.io.IOException("disk full"));
        Supplier<CompletableFuture<Void>> throwing = () -> {
            throw new IllegalStateException("audit closed");
        };
        Supplier<CompletableFuture<Void>> pending = CompletableFuture::new;
        return Stream.of(
                // injected, sink answer, start() result, state after the loop ran, may forward, outcomes, records asked
                Arguments.of(false, throwing, true, SendGate.State.NOT_REQUIRED, true, List.of(), 0),
                Arguments.of(true, written, true, SendGate.State.DURABLE, true, List.of("ready"), 1),
                Arguments.of(true, failed, true, SendGate.State.REFUSED, false, List.of(REFUSED), 1),
                Arguments.of(true, throwing, false, SendGate.State.REFUSED, false, List.of(REFUSED), 1),
                Arguments.of(true, pending, true, SendGate.State.RECORDING, false, List.of(), 1));
    }

    @ParameterizedTest(name = "injected={0} → {3}")
    @MethodSource("table")
    void theGateOpensOnlyForADurableRecordOrWhenNothingWasInjected(boolean injected,
            Supplier<CompletableFuture<Void>> decision, boolean started, SendGate.State state, boolean mayForward,
            List<String> expected, int records) {
        assertThat(start(injected, decision)).isEqualTo(started);
        ch.runPendingTasks();
        assertThat(gate.state()).isEqualTo(state);
        assertThat(gate.mayForward()).isEqualTo(mayForward);
        assertThat(outcomes).isEqualTo(expected);
        assertThat(recorded).hasSize(records);
        recorded.forEach(e -> {
            assertThat(e.kind()).isEqualTo("decision");
            assertThat(e.requestId()).isEqualTo("req-1");
        });
    }

    @Test
    void aWrittenDecisionLetsTheRequestGoOnTheEventLoop() {
        assertThat(await(() -> CompletableFuture.completedFuture(null))).isTrue();
        assertThat(outcomes).isEmpty(); // not inline: on the loop
        assertThat(gate.state()).isEqualTo(SendGate.State.RECORDING);
        assertThat(gate.mayForward()).isFalse();
        ch.runPendingTasks();
        assertThat(outcomes).containsExactly("ready");
        assertThat(gate.mayForward()).isTrue();
    }

    @Test
    void aDecisionThatFailsLaterRefusesWithAuditUnavailable() {
        assertThat(await(() -> CompletableFuture.failedFuture(new java.io.IOException("disk full")))).isTrue();
        ch.runPendingTasks();
        assertThat(outcomes).containsExactly(REFUSED);
    }

    @Test
    void aSinkThatThrowsAtOnceRefusesAndSaysSo() {
        assertThat(await(() -> {
            throw new IllegalStateException("audit closed");
        })).isFalse();
        ch.runPendingTasks();
        assertThat(outcomes).containsExactly(REFUSED);
    }

    @Test
    void aDecisionCompletedFromTheAuditThreadIsHandledOnTheLoop() throws InterruptedException {
        CompletableFuture<Void> decision = new CompletableFuture<>();
        assertThat(await(() -> decision)).isTrue();
        Thread.ofVirtual().start(() -> decision.complete(null)).join();
        assertThat(outcomes).isEmpty();
        assertThat(gate.mayForward()).isFalse();
        ch.runPendingTasks();
        assertThat(outcomes).containsExactly("ready");
        assertThat(gate.state()).isEqualTo(SendGate.State.DURABLE);
    }

    @Test
    void theDecisionsOfOneLoopPassAreCommittedOnceAfterThePass() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        assertThat(await(() -> first)).isTrue();
        SendGate second = new SendGate(new SendGate.Listener() {
            @Override
            public void gateOpened() {
                outcomes.add("second ready");
            }

            @Override
            public void gateRefused(ProxyProblem p) {
                outcomes.add("second " + p.type());
            }
        }, ch.eventLoop());
        assertThat(second.start(px, base, true)).isTrue();
        assertThat(commits).as("not inline: after the pass").isZero();
        ch.runPendingTasks();
        assertThat(commits).as("one commit for both decisions").isEqualTo(1);
        assertThat(recorded).hasSize(2);

        // the next pass asks again; a request that needs no record asks for nothing
        SendGate.Listener quiet = new SendGate.Listener() {
            @Override
            public void gateOpened() {}

            @Override
            public void gateRefused(ProxyProblem p) {}
        };
        assertThat(new SendGate(quiet, ch.eventLoop()).start(px, base, true)).isTrue();
        SendGate plain = new SendGate(quiet, ch.eventLoop());
        assertThat(plain.start(px, base, false)).isTrue();
        ch.runPendingTasks();
        assertThat(commits).isEqualTo(2);
    }

    @Test
    void aGateStartsOnce() {
        start(false, CompletableFuture::new);
        assertThatThrownBy(() -> gate.start(px, base, true)).isInstanceOf(IllegalStateException.class);
        assertThat(gate.state()).isEqualTo(SendGate.State.NOT_REQUIRED);
    }
}
