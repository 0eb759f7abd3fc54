package dev.keyway.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.store.Store;
import dev.keyway.store.WebhookRecord;
import dev.keyway.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Background delivery with retries against a real local receiver and a real store. */
class WebhookNotifierTest {
    static final List<Duration> FAST = List.of(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40));
    static final ProposalEvent EVENT = new ProposalEvent("prp_1", "default", "why", "agent:a", Instant.parse("2030-01-01T00:00:00Z"),
            List.of(), List.of(), List.of(new ProposalEvent.Service("gh", "api.github.com")), List.of("GH"),
            "http://127.0.0.1:9790/approve/prp_1#kw_apr_x");

    @TempDir
    Path dir;

    Store store;
    WebhookNotifier notifier;
    WebhookReceiver receiver;

    @BeforeEach
    void setUp() throws Exception {
        store = SqliteStore.open(dir.resolve("k.db"));
        notifier = new WebhookNotifier(store, Clock.systemUTC(), FAST);
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void tearDown() {
        notifier.close();
        receiver.close();
        store.close();
    }

    WebhookRecord awaitOutcome(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            WebhookRecord w = store.listWebhooks().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
            if (w.lastAttemptAt() != null) {
                return w;
            }
            Thread.sleep(10); // polls a real HTTP delivery (retry back-off is real waiting)
        }
        throw new AssertionError("no delivery outcome recorded");
    }

    @Test
    void retriesAfterA500AndRecordsSuccess() throws Exception {
        receiver.answer(500);
        WebhookRecord w = store.createWebhook(receiver.url("/hook"), "json", "test");
        notifier.accept(EVENT);
        assertThat(receiver.next()).contains("proposal.created");
        assertThat(receiver.next()).contains("proposal.created");
        WebhookRecord after = awaitOutcome(w.id());
        assertThat(after.failures()).isZero();
        assertThat(after.lastError()).isNull();
    }

    @Test
    void givesUpAfterTheLastRetryAndCountsTheFailure() throws Exception {
        receiver.answer(503, 503, 503, 503);
        WebhookRecord w = store.createWebhook(receiver.url("/hook"), "slack", "test");
        notifier.accept(EVENT);
        for (int i = 0; i < 4; i++) {
            assertThat(receiver.next()).contains("\"text\"");
        }
        WebhookRecord after = awaitOutcome(w.id());
        assertThat(after.failures()).isEqualTo(1);
        assertThat(after.lastError()).isEqualTo("HTTP 503 (4 attempts)");
        assertThat(receiver.nothingWithin(Duration.ofMillis(100))).isTrue();
    }

    @Test
    void aClientErrorIsNotRetried() throws Exception {
        receiver.answer(404);
        WebhookRecord w = store.createWebhook(receiver.url("/gone"), "json", "test");
        notifier.accept(EVENT);
        receiver.next();
        WebhookRecord after = awaitOutcome(w.id());
        assertThat(after.lastError()).isEqualTo("HTTP 404 (1 attempt)");
        assertThat(receiver.nothingWithin(Duration.ofMillis(100))).isTrue();
    }

    @Test
    void unreachableReceiverIsRecordedWithoutTheUrl() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        WebhookRecord w = store.createWebhook("http://127.0.0.1:" + port + "/services/SECRETPATH", "slack", "test");
        WebhookNotifier.Attempt a = notifier.test(w);
        assertThat(a.delivered()).isFalse();
        WebhookRecord after = awaitOutcome(w.id());
        assertThat(after.failures()).isEqualTo(1);
        assertThat(after.lastError()).doesNotContain("SECRETPATH");
    }
}
