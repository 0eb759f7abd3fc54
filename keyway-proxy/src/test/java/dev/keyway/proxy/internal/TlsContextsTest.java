package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.proxy.spi.LeafCertificateSource;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;

class TlsContextsTest {
    private final HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).ecdsa256().build();
    private final ConcurrentHashMap<String, LeafCertificateSource.Leaf> leaves = new ConcurrentHashMap<>();

    private CompletableFuture<LeafCertificateSource.Leaf> leafFor(String host) {
        return CompletableFuture.completedFuture(leaves.computeIfAbsent(host, h -> {
            HeldCertificate leaf = new HeldCertificate.Builder().addSubjectAlternativeName(h).ecdsa256().signedBy(ca).build();
            return new LeafCertificateSource.Leaf(leaf.keyPair().getPrivate(), List.of(leaf.certificate(), ca.certificate()));
        }));
    }

    @Test
    void serverContextsAreBoundedLeastRecentlyUsedFirst() {
        TlsContexts t = new TlsContexts(this::leafFor, null, 3);
        SslContext a = t.serverFor("a.test").join();
        t.serverFor("b.test").join();
        t.serverFor("c.test").join();
        assertThat(t.serverFor("a.test").join()).as("cached while within the bound").isSameAs(a);
        for (int i = 0; i < 50; i++) {
            t.serverFor("host" + i + ".test").join();
            assertThat(t.serverContextCount()).isLessThanOrEqualTo(3);
        }
        assertThat(t.serverContextCount()).isEqualTo(3);
        assertThat(t.serverFor("a.test").join()).as("evicted, rebuilt for the same leaf").isNotSameAs(a);
    }

    @Test
    void recentlyUsedHostSurvivesEviction() {
        TlsContexts t = new TlsContexts(this::leafFor, null, 2);
        SslContext a = t.serverFor("a.test").join();
        t.serverFor("b.test").join();
        t.serverFor("a.test").join(); // a is now the most recently used
        t.serverFor("c.test").join(); // evicts b
        assertThat(t.serverFor("a.test").join()).isSameAs(a);
        assertThat(t.serverContextCount()).isEqualTo(2);
    }

    @Test
    void boundMustBePositive() {
        assertThatThrownBy(() -> new TlsContexts(this::leafFor, null, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
