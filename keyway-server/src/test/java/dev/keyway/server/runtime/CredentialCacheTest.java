package dev.keyway.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class CredentialCacheTest {
    private static final long TTL = 60_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000);
    private final AtomicInteger decrypts = new AtomicInteger();
    private final CredentialCache cache = new CredentialCache(TTL, 3, now::get);
    private final CredentialCache.Key key = new CredentialCache.Key("v1", "api_key", 1);
    private final byte[] ct = {1, 2, 3};

    private Supplier<byte[]> decrypt(String value) {
        return () -> {
            decrypts.incrementAndGet();
            return value.getBytes(StandardCharsets.UTF_8);
        };
    }

    private String get(CredentialCache.Key k, byte[] ciphertext, String value) {
        return new String(cache.get(k, ciphertext, decrypt(value)), StandardCharsets.UTF_8);
    }

    @Test
    void hitsReturnFreshCopiesThatCallersMayWipe() {
        byte[] first = cache.get(key, ct, decrypt("secret"));
        Arrays.fill(first, (byte) 0); // the injector wipes what it used
        byte[] second = cache.get(key, ct, decrypt("other"));
        assertThat(new String(second, StandardCharsets.UTF_8)).isEqualTo("secret");
        assertThat(second).isNotSameAs(first);
        assertThat(decrypts).hasValue(1);
    }

    @Test
    void expiresAfterTheTtl() {
        get(key, ct, "old");
        now.addAndGet(TTL - 1);
        assertThat(get(key, ct, "new")).isEqualTo("old");
        now.addAndGet(1);
        assertThat(get(key, ct, "new")).isEqualTo("new");
        assertThat(decrypts).hasValue(2);
    }

    @Test
    void aDifferentCiphertextOrVersionIsNeverServedFromTheCache() {
        get(key, ct, "v1");
        assertThat(get(key, new byte[] {9}, "resealed")).isEqualTo("resealed");
        assertThat(get(new CredentialCache.Key("v1", "api_key", 2), ct, "rotated")).isEqualTo("rotated");
        assertThat(get(new CredentialCache.Key("v2", "api_key", 1), ct, "other vault")).isEqualTo("other vault");
        assertThat(decrypts).hasValue(4);
    }

    @Test
    void failedDecryptionCachesNothing() {
        assertThatThrownBy(() -> cache.get(key, ct, () -> {
            throw new IllegalStateException("bad tag");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(cache.size()).isZero();
        assertThat(get(key, ct, "ok")).isEqualTo("ok");
    }

    @Test
    void sweepDropsExpiredEntriesAndAFullCacheIsClearedNotGrown() {
        for (int i = 0; i < 3; i++) {
            get(new CredentialCache.Key("v", "c" + i, 1), ct, "x");
        }
        assertThat(cache.size()).isEqualTo(3);
        get(new CredentialCache.Key("v", "c3", 1), ct, "x");
        assertThat(cache.size()).isEqualTo(1);
        now.addAndGet(TTL);
        get(key, ct, "y"); // the first lookup after a TTL sweeps the expired c3
        assertThat(cache.size()).isEqualTo(1);
        cache.clear();
        assertThat(cache.size()).isZero();
    }
}
