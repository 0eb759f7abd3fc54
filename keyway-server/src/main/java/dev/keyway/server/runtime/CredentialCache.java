package dev.keyway.server.runtime;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Decrypted credential values kept in memory for a short time, so the proxy does not run AES-GCM
 * (and {@code Cipher.getInstance}) for every injected request.
 *
 * <p>Entries are keyed by (vault id, credential name, version) and also remember the ciphertext
 * they came from: a hit requires the same ciphertext, so a rotated or re-sealed value is never
 * served from the cache. Every hit returns a fresh copy, because the injector wipes what it is
 * given. An entry lives at most {@code ttlNanos} after it was decrypted; expired entries are
 * wiped when they are next looked up or by a sweep that runs at most once per TTL, and
 * {@link #clear()} wipes everything. The cache holds at most {@code maxEntries} values; when full
 * it is cleared rather than grown (only a vault with more credentials than that pays the decrypt).
 */
public final class CredentialCache {
    /** How long a decrypted value may stay in memory. */
    public static final long DEFAULT_TTL_NANOS = 60_000_000_000L;

    public static final int DEFAULT_MAX_ENTRIES = 4096;

    public record Key(String vaultId, String name, long version) {}

    private record Entry(byte[] ciphertext, byte[] value, long expiresAt) {}

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier nanoTime;
    private volatile long nextSweep;

    public CredentialCache(long ttlNanos, int maxEntries, LongSupplier nanoTime) {
        this.ttlNanos = ttlNanos;
        this.maxEntries = maxEntries;
        this.nanoTime = nanoTime;
        this.nextSweep = nanoTime.getAsLong() + ttlNanos;
    }

    /**
     * A copy of the plaintext of {@code ciphertext}: from the cache when an unexpired entry for the
     * same key and ciphertext exists, otherwise from {@code decrypt} (whose result is cached; a
     * failure propagates and caches nothing).
     */
    public byte[] get(Key key, byte[] ciphertext, Supplier<byte[]> decrypt) {
        long now = nanoTime.getAsLong();
        if (now - nextSweep >= 0) {
            sweep(now);
        }
        Entry e = entries.get(key);
        if (e != null) {
            if (now - e.expiresAt() < 0 && Arrays.equals(e.ciphertext(), ciphertext)) {
                byte[] copy = e.value().clone();
                if (entries.get(key) == e) {
                    return copy; // still mapped after the copy, so it was not wiped during it (removal precedes wiping)
                }
                Arrays.fill(copy, (byte) 0);
            } else if (entries.remove(key, e)) {
                wipe(e);
            }
        }
        byte[] value = decrypt.get();
        if (entries.size() >= maxEntries) {
            clear();
        }
        Entry fresh = new Entry(ciphertext.clone(), value.clone(), now + ttlNanos);
        Entry previous = entries.put(key, fresh);
        if (previous != null) {
            wipe(previous);
        }
        return value;
    }

    /** Wipes and drops every entry. */
    public void clear() {
        for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Entry e = it.next().getValue();
            it.remove();
            wipe(e);
        }
    }

    int size() {
        return entries.size();
    }

    private void sweep(long now) {
        nextSweep = now + ttlNanos;
        for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Entry> me = it.next();
            Entry e = me.getValue();
            if (now - e.expiresAt() >= 0 && entries.remove(me.getKey(), e)) {
                wipe(e);
            }
        }
    }

    private static void wipe(Entry e) {
        Arrays.fill(e.value(), (byte) 0);
    }
}
