package dev.keyway.core.limit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a flood of identical failures into a bounded number of audit records: the first failure of
 * a key (e.g. client address and error type) in a window is recorded on its own, the rest of that
 * window are only counted and reported as one {@link Summary} once the window has ended. A guessing
 * client therefore costs at most two records per key and window, however fast it guesses.
 *
 * <p>Time comes from the injected {@link Clock}; the owner drains ended windows periodically
 * ({@link #drainEnded}) and on shutdown ({@link #drainAll}). Memory is bounded: at most
 * {@code maxKeys} open windows; beyond that, failures are reported as not aggregated (the caller
 * records them one by one, which the per-address throttle bounds in turn).
 *
 * @param <K> the aggregation key (a value type with equals/hashCode)
 */
public final class FailureAggregator<K> {
    /** What to do with one failure. */
    public enum Outcome {
        /** The first of its window (or not tracked): record it now. */
        RECORD,
        /** Counted into the window's summary: do not record it individually. */
        COUNTED
    }

    /**
     * The failures of one ended window that were counted, not recorded.
     *
     * @param windowStart when the window's first (recorded) failure happened
     * @param count failures after the first, at least 1
     */
    public record Summary<K>(K key, Instant windowStart, long count) {}

    private static final class Window {
        final long startMillis;
        long counted;

        Window(long startMillis) {
            this.startMillis = startMillis;
        }
    }

    private final Clock clock;
    private final long windowMillis;
    private final int maxKeys;
    private final Map<K, Window> open = new HashMap<>();
    private final List<Summary<K>> ended = new ArrayList<>();

    public FailureAggregator(Clock clock, Duration window, int maxKeys) {
        if (window.isNegative() || window.isZero() || maxKeys < 1) {
            throw new IllegalArgumentException("invalid aggregation: window " + window + ", maxKeys " + maxKeys);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.windowMillis = window.toMillis();
        this.maxKeys = maxKeys;
    }

    /** One failure for {@code key}. */
    public synchronized Outcome failure(K key) {
        long now = clock.millis();
        Window w = open.get(key);
        if (w != null && now - w.startMillis < windowMillis) {
            w.counted++;
            return Outcome.COUNTED;
        }
        if (w != null) {
            close(key, w);
        } else if (open.size() >= maxKeys) {
            closeEnded(now);
            if (open.size() >= maxKeys) {
                return Outcome.RECORD;
            }
        }
        open.put(key, new Window(now));
        return Outcome.RECORD;
    }

    /** The summaries of the windows that have ended since the last call; their keys are forgotten. */
    public synchronized List<Summary<K>> drainEnded() {
        closeEnded(clock.millis());
        List<Summary<K>> out = List.copyOf(ended);
        ended.clear();
        return out;
    }

    /** Every pending summary, ended or not (shutdown); everything is forgotten. */
    public synchronized List<Summary<K>> drainAll() {
        open.forEach(this::close);
        open.clear();
        List<Summary<K>> out = List.copyOf(ended);
        ended.clear();
        return out;
    }

    /** Keys with an open window (for tests of the bound). */
    public synchronized int openWindows() {
        return open.size();
    }

    private void closeEnded(long now) {
        for (Iterator<Map.Entry<K, Window>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<K, Window> e = it.next();
            if (now - e.getValue().startMillis >= windowMillis) {
                close(e.getKey(), e.getValue());
                it.remove();
            }
        }
    }

    private void close(K key, Window w) {
        if (w.counted > 0) {
            ended.add(new Summary<>(key, Instant.ofEpochMilli(w.startMillis), w.counted));
        }
    }
}
