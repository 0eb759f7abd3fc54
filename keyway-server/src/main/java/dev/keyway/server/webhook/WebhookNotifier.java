package dev.keyway.server.webhook;

import dev.keyway.store.Store;
import dev.keyway.store.WebhookRecord;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every webhook about each new proposal. Each delivery runs on its own virtual thread so the
 * agent's request never waits: the first attempt is immediate, and a failed attempt (I/O error,
 * timeout, 408, 429 or 5xx) is retried after each of {@code retryDelays} (default 1 s, 4 s, 16 s).
 * The final outcome is recorded on the webhook ({@link Store#recordWebhookDelivery}), so failures
 * show in {@code GET /v1/webhooks}. Error texts never include the URL (it may be a secret).
 */
public final class WebhookNotifier implements Consumer<ProposalEvent>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);
    public static final List<Duration> DEFAULT_RETRY_DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(4),
            Duration.ofSeconds(16));

    private final Store store;
    private final Clock clock;
    private final List<Duration> retryDelays;
    private final HttpClient http;
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("webhook-", 0).factory());

    public WebhookNotifier(Store store, Clock clock, List<Duration> retryDelays) {
        this.store = store;
        this.clock = clock;
        this.retryDelays = List.copyOf(retryDelays);
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * One POST's outcome.
     *
     * @param status the HTTP status, or 0 when none was received
     * @param error null when delivered; else a short reason without the URL
     */
    public record Attempt(boolean delivered, int status, @Nullable String error, boolean retryable) {}

    @Override
    public void accept(ProposalEvent event) {
        broadcast(format -> WebhookPayloads.proposalCreated(format, event));
    }

    /** Tells every webhook about a request held for approval (same delivery and retries as proposals). */
    public void approvalRequested(ApprovalEvent event) {
        broadcast(format -> WebhookPayloads.approvalRequested(format, event));
    }

    private void broadcast(java.util.function.Function<String, byte[]> payload) {
        for (WebhookRecord w : store.listWebhooks()) {
            byte[] body = payload.apply(w.format());
            try {
                workers.execute(() -> deliver(w, body));
            } catch (RejectedExecutionException e) {
                log.debug("webhook {} not notified: shutting down", w.id());
            }
        }
    }

    /**
     * Tells every webhook about another event (e.g. {@code credential.broken}): {@code bodyFor}
     * gives the body for a webhook's format; delivered and retried like a proposal.
     */
    public void notifyAll(java.util.function.Function<String, byte[]> bodyFor) {
        for (WebhookRecord w : store.listWebhooks()) {
            byte[] body = bodyFor.apply(w.format());
            try {
                workers.execute(() -> deliver(w, body));
            } catch (RejectedExecutionException e) {
                log.debug("webhook {} not notified: shutting down", w.id());
            }
        }
    }

    /** Tells every webhook that a decoy credential was used (same delivery and retries as a proposal). */
    public void decoyUsed(DecoyEvent event) {
        for (WebhookRecord w : store.listWebhooks()) {
            byte[] body = WebhookPayloads.decoyUsed(w.format(), event);
            try {
                workers.execute(() -> deliver(w, body));
            } catch (RejectedExecutionException e) {
                log.debug("webhook {} not notified: shutting down", w.id());
            }
        }
    }

    /** Sends a test message once, synchronously, and records the outcome. */
    public Attempt test(WebhookRecord w) {
        Attempt a = attempt(w, WebhookPayloads.test(w.format()));
        record(w, a.delivered() ? null : a.error());
        return a;
    }

    private void deliver(WebhookRecord w, byte[] body) {
        for (int i = 0; ; i++) {
            Attempt a = attempt(w, body);
            if (a.delivered()) {
                record(w, null);
                return;
            }
            if (!a.retryable() || i >= retryDelays.size()) {
                record(w, a.error() + " (" + (i + 1) + (i == 0 ? " attempt)" : " attempts)"));
                log.warn("webhook {} ({}): delivery failed: {}", w.id(), WebhookUrls.redact(w.url()), a.error());
                return;
            }
            try {
                Thread.sleep(retryDelays.get(i));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    Attempt attempt(WebhookRecord w, byte[] body) {
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(w.url()))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "keyway-webhook")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
        } catch (IllegalArgumentException e) {
            return new Attempt(false, 0, "invalid url", false);
        }
        try {
            HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
            int s = r.statusCode();
            if (s >= 200 && s < 300) {
                return new Attempt(true, s, null, false);
            }
            return new Attempt(false, s, "HTTP " + s, s >= 500 || s == 408 || s == 429);
        } catch (HttpConnectTimeoutException e) {
            return new Attempt(false, 0, "connect timed out", true);
        } catch (HttpTimeoutException e) {
            return new Attempt(false, 0, "timed out", true);
        } catch (ConnectException e) {
            return new Attempt(false, 0, "connection refused", true);
        } catch (IOException e) {
            return new Attempt(false, 0, "I/O error (" + e.getClass().getSimpleName() + ")", true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt(false, 0, "interrupted", false);
        }
    }

    private void record(WebhookRecord w, @Nullable String error) {
        try {
            store.recordWebhookDelivery(w.id(), clock.instant(), error);
        } catch (RuntimeException e) {
            log.debug("could not record the delivery outcome of webhook {}: {}", w.id(), e.toString());
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
        http.shutdownNow();
    }
}
