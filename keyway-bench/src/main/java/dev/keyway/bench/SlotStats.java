package dev.keyway.bench;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one load-generator connection slot measured. Confined to the slot's event loop while the
 * run lasts; the slots' stats are merged once the run has stopped.
 */
final class SlotStats {
    /** Request start (write, or connect in newconn mode) to the last response byte, in µs. */
    final LatencyRecorder latency = new LatencyRecorder();
    /** Request start to the response head, in µs. */
    final LatencyRecorder ttfb = new LatencyRecorder();
    /** Server-sent events: the upstream's send timestamp to receipt, in µs. */
    final LatencyRecorder events = new LatencyRecorder();
    long requests;
    long bodyBytes;
    long warmupErrors;
    final Map<String, Long> errors = new TreeMap<>();
    /** The first message seen for each error kind, for diagnosis. */
    final Map<String, String> firstMessages = new TreeMap<>();

    void error(String kind, String message, boolean measured) {
        if (measured) {
            errors.merge(kind, 1L, Long::sum);
        } else {
            warmupErrors++;
        }
        firstMessages.putIfAbsent(kind, message);
    }

    void merge(SlotStats o) {
        latency.merge(o.latency);
        ttfb.merge(o.ttfb);
        events.merge(o.events);
        requests += o.requests;
        bodyBytes += o.bodyBytes;
        warmupErrors += o.warmupErrors;
        o.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
        o.firstMessages.forEach(firstMessages::putIfAbsent);
    }

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }
}
