package dev.keyway.core.sign;

import java.time.Instant;

/** The unit of the {@code {timestamp}} of an HMAC signature: providers differ (Binance ms, Coinbase s). */
public enum TimestampUnit {
    /** Whole seconds since the epoch. */
    S,
    /** Milliseconds since the epoch. */
    MS;

    public String wireName() {
        return this == S ? "s" : "ms";
    }

    /** {@code s} or {@code ms}; IllegalArgumentException otherwise. */
    public static TimestampUnit fromWireName(String s) {
        return switch (s) {
            case "s" -> S;
            case "ms" -> MS;
            default -> throw new IllegalArgumentException("unknown timestamp unit '" + s + "'; expected s or ms");
        };
    }

    /** {@code now} written in this unit. */
    public String format(Instant now) {
        return Long.toString(this == S ? now.getEpochSecond() : now.toEpochMilli());
    }
}
