package dev.keyway.core.source;

/**
 * A value fetched from a source and the store's version of it ({@code "-"} when the store has no
 * versions). The caller owns the array and wipes it. {@code toString()} never prints the value.
 */
public record Fetched(byte[] value, String version) {
    @Override
    public String toString() {
        return "Fetched[" + value.length + " bytes, version " + version + "]";
    }
}
