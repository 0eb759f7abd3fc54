package dev.keyway.server.limit;

import dev.keyway.core.limit.TokenBucket;
import dev.keyway.store.LimitRecord;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Applies every limit a request counts against: the request goes through only if each of their
 * buckets has a token, so the tightest limit wins. Tokens are taken one limit at a time; when one
 * bucket is empty, the tokens already taken from the others are given back, so a refused request
 * costs nothing. The reported wait is that of the bucket that was empty.
 */
public final class RateLimiter {
    private final Buckets buckets;

    public RateLimiter(Buckets buckets) {
        this.buckets = buckets;
    }

    /** The outcome: {@code limited} null when the request may go, else the limit that refused it. */
    public record Verdict(@Nullable LimitRecord limited, long retryAfterSeconds) {
        static final Verdict ALLOWED = new Verdict(null, 0);

        public boolean allowed() {
            return limited == null;
        }
    }

    public Verdict check(List<LimitRecord> applicable) {
        if (applicable.isEmpty()) {
            return Verdict.ALLOWED;
        }
        List<LimitRecord> taken = new ArrayList<>(applicable.size());
        for (LimitRecord l : applicable) {
            Buckets.Take t = buckets.take(l);
            if (!t.granted()) {
                taken.forEach(buckets::giveBack);
                return new Verdict(l, TokenBucket.retryAfterSeconds(t.waitMillis()));
            }
            taken.add(l);
        }
        return Verdict.ALLOWED;
    }

    /** Tells the buckets which limits exist now. */
    public void sync(List<LimitRecord> limits) {
        buckets.sync(limits);
    }
}
