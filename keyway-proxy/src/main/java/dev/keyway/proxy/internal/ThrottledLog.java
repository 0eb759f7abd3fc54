package dev.keyway.proxy.internal;

import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * A log line that a client can trigger at will (a refused connection, a malformed HTTP/2 preface)
 * must not let that client flood the log: at most one line per interval, never a stack trace, and
 * the next line says how many were suppressed in between.
 */
final class ThrottledLog {
    private final Logger log;
    private final Clock clock;
    private final long everyMillis;
    private long nextMillis = Long.MIN_VALUE;
    private long suppressed;

    ThrottledLog(Logger log, Clock clock, Duration every) {
        this.log = log;
        this.clock = clock;
        this.everyMillis = every.toMillis();
    }

    /** Logs {@code message} at WARN unless a line was logged within the interval (then it is counted). */
    void warn(String message) {
        String line;
        synchronized (this) {
            long now = clock.millis();
            if (now < nextMillis) {
                suppressed++;
                return;
            }
            nextMillis = now + everyMillis;
            line = suppressed == 0 ? message : message + " (" + suppressed + " similar suppressed)";
            suppressed = 0;
        }
        log.warn(line);
    }
}
