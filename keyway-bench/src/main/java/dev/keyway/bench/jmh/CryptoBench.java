package dev.keyway.bench.jmh;

import dev.keyway.core.crypto.Aad;
import dev.keyway.core.crypto.Aead;
import dev.keyway.core.crypto.DataKeys;
import dev.keyway.core.crypto.Tokens;
import dev.keyway.server.TokenIndex;
import dev.keyway.server.runtime.CredentialCache;
import dev.keyway.store.TokenRecord;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-request crypto: decrypting a stored credential ({@link Aead#open} of a 64-byte value with its
 * credential AAD, what resolving a credential costs on a {@link CredentialCache} miss; a hit is
 * {@code credentialCacheHit}), and
 * authenticating a proxy token (SHA-256 of the presented token, then the hash-index lookup with
 * its constant-time re-check), alone and through the server's real {@link TokenIndex}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CryptoBench {
    byte[] key = new byte[0];
    byte[] aad = new byte[0];
    byte[] sealed = new byte[0];
    String token = "";

    final CredentialCache cache = new CredentialCache(CredentialCache.DEFAULT_TTL_NANOS,
            CredentialCache.DEFAULT_MAX_ENTRIES, System::nanoTime);
    final CredentialCache.Key cacheKey = new CredentialCache.Key("vlt_bench0000000000000", "OPENAI_API_KEY", 3);

    @Setup
    public void setup() {
        key = DataKeys.generate();
        aad = Aad.credential("vlt_bench0000000000000", "OPENAI_API_KEY", 3);
        byte[] credential = new byte[64];
        new SecureRandom().nextBytes(credential);
        sealed = Aead.seal(key, credential, aad);
        token = Tokens.newToken(Tokens.AGENT_PREFIX);
    }

    /** The server's token index, filled with {@code tokens} agent tokens. */
    @State(Scope.Benchmark)
    public static class Index {
        /** Tokens in the index; lookups are hash-map gets, so size should not matter much. */
        @Param({"100", "10000"})
        int tokens;

        String knownToken = "";
        String unknownToken = "";
        TokenIndex index = TokenIndex.of(List.of());
        final Instant now = Instant.now();

        @Setup
        public void setup() {
            List<TokenRecord> records = new ArrayList<>(tokens);
            for (int i = 0; i < tokens; i++) {
                String t = Tokens.newToken(Tokens.AGENT_PREFIX);
                if (i == tokens / 2) {
                    knownToken = t;
                }
                records.add(new TokenRecord(Tokens.newId("tok_"), Tokens.newAccessor(), Tokens.hash(t), "scoped",
                        "vlt_bench0000000000000", "proxy", "bench " + i, "bench", now, now.plusSeconds(3600),
                        null, null, null, false, null, null, null));
            }
            index = TokenIndex.of(records);
            unknownToken = Tokens.newToken(Tokens.AGENT_PREFIX);
            if (!(index.verify(knownToken, now) instanceof TokenIndex.Result.Valid)
                    || index.verify(unknownToken, now) instanceof TokenIndex.Result.Valid) {
                throw new IllegalStateException("token index does not behave as intended");
            }
        }
    }

    @Benchmark
    public byte[] aeadOpen64() {
        return Aead.open(key, sealed, aad);
    }

    /** What the proxy pays per injected credential now: a {@link CredentialCache} hit (lookup, ciphertext check, copy). */
    @Benchmark
    public byte[] credentialCacheHit() {
        return cache.get(cacheKey, sealed, () -> Aead.open(key, sealed, aad));
    }

    @Benchmark
    public byte[] tokenHash() {
        return Tokens.hash(token);
    }

    /** Hash plus index lookup plus checks: what authenticating one CONNECT costs. */
    @Benchmark
    public TokenIndex.Result tokenVerifyHit(Index s) {
        return s.index.verify(s.knownToken, s.now);
    }

    @Benchmark
    public TokenIndex.Result tokenVerifyMiss(Index s) {
        return s.index.verify(s.unknownToken, s.now);
    }
}
