package dev.keyway.server.aws;

import dev.keyway.core.aws.AwsCredentials;
import dev.keyway.store.AwsGrantRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The assumed-role credentials of each grant, cached and refreshed before they expire.
 *
 * <ul>
 *   <li><b>Refresh window.</b> Credentials with more than {@link Freshness#refreshBelow()} left are
 *       served from the cache. Inside the window a refresh starts in the background while callers
 *       keep getting the current credentials as long as they still have
 *       {@link Freshness#acceptAbove()} left; below that, callers wait for the refresh.
 *   <li><b>Single flight.</b> However many callers arrive, one STS call per grant is in flight.
 *   <li><b>Cancellation-safe.</b> Each caller gets its own dependent future: cancelling it (a client
 *       that went away) never cancels the shared refresh the others wait for, and the refresh runs
 *       on its own thread, never interrupted by a caller.
 *   <li><b>Failures are not cached.</b> A failed refresh fails the callers waiting for it; the next
 *       caller starts a new one.
 * </ul>
 * A grant whose configuration changed (different role, duration, policy...) starts from an empty
 * cache entry.
 */
public final class AssumeRoleCache {
    /** How fresh the credentials handed out must be. */
    public record Freshness(Duration refreshBelow, Duration acceptAbove) {
        public Freshness {
            if (acceptAbove.compareTo(refreshBelow) > 0) {
                throw new IllegalArgumentException("acceptAbove must not exceed refreshBelow");
            }
        }

        /** Sign mode: refresh with less than 5 minutes left, keep signing while 1 minute is left. */
        public static final Freshness PROXY = new Freshness(Duration.ofMinutes(5), Duration.ofMinutes(1));

        /**
         * For {@code credential_process}: the AWS CLI and botocore refuse credentials with less than 10
         * minutes left (and refresh them at 15), so hand out at least 11 minutes and refresh at 15 —
         * clamped for 15-minute sessions, which are then refreshed often.
         */
        public static Freshness credentialProcess(Duration session) {
            Duration refresh = min(Duration.ofMinutes(15), session.minusMinutes(1));
            Duration accept = min(Duration.ofMinutes(11), session.minusMinutes(2));
            return new Freshness(refresh, accept);
        }

        private static Duration min(Duration a, Duration b) {
            return a.compareTo(b) <= 0 ? a : b;
        }
    }

    private static final class Entry {
        final String fingerprint;
        volatile @Nullable AwsCredentials current;
        @Nullable CompletableFuture<AwsCredentials> inflight; // guarded by this

        Entry(String fingerprint) {
            this.fingerprint = fingerprint;
        }
    }

    private final java.util.function.BiFunction<AwsGrantRecord, @Nullable RunScope, AwsCredentials> assume;
    private final Executor executor;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    /**
     * @param assume calls STS for a grant (blocking; throws on failure); runs on {@code executor}
     */
    public AssumeRoleCache(Function<AwsGrantRecord, AwsCredentials> assume, Executor executor, Clock clock) {
        this((g, scope) -> {
            if (scope != null) {
                throw new IllegalStateException("this cache does not support per-run scopes");
            }
            return assume.apply(g);
        }, executor, clock);
    }

    /**
     * @param assume calls STS for a grant and an optional per-run scope (blocking; throws on failure)
     */
    public AssumeRoleCache(java.util.function.BiFunction<AwsGrantRecord, @Nullable RunScope, AwsCredentials> assume,
            Executor executor, Clock clock) {
        this.assume = assume;
        this.executor = executor;
        this.clock = clock;
    }

    /** Credentials for {@code grant}, fresh enough for {@code f}; completes exceptionally when STS fails. */
    public CompletableFuture<AwsCredentials> get(AwsGrantRecord grant, Freshness f) {
        return get(grant, null, f);
    }

    /**
     * Credentials for {@code grant} narrowed by a per-run {@code scope} (its own cache entry, keyed by
     * the grant and the scope's hash), or the grant's shared ones when {@code scope} is null.
     */
    public CompletableFuture<AwsCredentials> get(AwsGrantRecord grant, @Nullable RunScope scope, Freshness f) {
        String fp = fingerprint(grant);
        String key = scope == null ? grant.id() : grant.id() + "#" + scope.hash();
        if (scope != null) {
            pruneExpiredScopes();
        }
        Entry e = entries.compute(key, (k, old) -> old != null && old.fingerprint.equals(fp) ? old : new Entry(fp));
        Instant now = clock.instant();
        AwsCredentials c = e.current;
        if (c != null && c.validFor(now, f.refreshBelow())) {
            return CompletableFuture.completedFuture(c);
        }
        CompletableFuture<AwsCredentials> shared;
        synchronized (e) {
            c = e.current;
            if (c != null && c.validFor(now, f.refreshBelow())) {
                return CompletableFuture.completedFuture(c);
            }
            if (e.inflight == null) {
                CompletableFuture<AwsCredentials> started = new CompletableFuture<>();
                e.inflight = started;
                try {
                    executor.execute(() -> refresh(e, grant, scope, started));
                } catch (RuntimeException rejected) {
                    e.inflight = null;
                    return CompletableFuture.failedFuture(rejected);
                }
            }
            shared = e.inflight;
        }
        if (c != null && c.validFor(now, f.acceptAbove())) {
            return CompletableFuture.completedFuture(c); // refresh runs in the background
        }
        return shared.copy();
    }

    private void refresh(Entry e, AwsGrantRecord grant, @Nullable RunScope scope, CompletableFuture<AwsCredentials> result) {
        AwsCredentials fresh;
        try {
            fresh = Objects.requireNonNull(assume.apply(grant, scope), "assume returned null");
        } catch (Throwable t) {
            synchronized (e) {
                e.inflight = null; // not cached: the next caller tries again
            }
            result.completeExceptionally(t);
            return;
        }
        e.current = fresh;
        synchronized (e) {
            e.inflight = null;
        }
        result.complete(fresh);
    }

    /** Drops cached credentials of grants that no longer exist (ids not in {@code live}). */
    public void retain(java.util.Set<String> live) {
        entries.keySet().removeIf(k -> !live.contains(grantId(k)));
    }

    /** Caches credentials obtained elsewhere (the grant-time check), so the first use needs no STS call. */
    public void seed(AwsGrantRecord grant, AwsCredentials credentials) {
        Entry e = new Entry(fingerprint(grant));
        e.current = credentials;
        entries.put(grant.id(), e);
    }

    /** Forgets a grant's credentials (revoked or changed). */
    public void forget(String grantId) {
        entries.keySet().removeIf(k -> grantId(k).equals(grantId));
    }

    /** Per-run entries are many and short-lived: drop those whose session expired and that no one is refreshing. */
    private void pruneExpiredScopes() {
        Instant now = clock.instant();
        entries.entrySet().removeIf(x -> {
            if (x.getKey().indexOf('#') < 0) {
                return false;
            }
            Entry e = x.getValue();
            AwsCredentials c = e.current;
            synchronized (e) {
                return c != null && !c.validFor(now, Duration.ZERO) && e.inflight == null;
            }
        });
    }

    /** Number of cached sessions (shared and per-run); for tests and metrics. */
    int size() {
        return entries.size();
    }

    private static String grantId(String key) {
        int i = key.indexOf('#');
        return i < 0 ? key : key.substring(0, i);
    }

    static String fingerprint(AwsGrantRecord g) {
        return String.join("\u0000", g.roleArn(), g.region(), Integer.toString(g.sessionSeconds()),
                String.valueOf(g.externalId()), String.valueOf(g.sessionPolicy()), String.valueOf(g.hostCredential()));
    }
}
