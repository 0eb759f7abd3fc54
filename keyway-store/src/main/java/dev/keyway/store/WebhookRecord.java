package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A notification target for new proposals.
 *
 * @param format {@code json} (generic) or {@code slack} (incoming-webhook payload)
 * @param failures consecutive failed deliveries (0 after a success)
 */
public record WebhookRecord(String id, String url, String format, Instant createdAt, String createdBy,
        @Nullable Instant lastAttemptAt, @Nullable String lastError, int failures) {}
