package dev.keyway.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.service.ValueExpression;
import dev.keyway.core.service.VaultMatcher;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.VaultRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A composite value is evaluated once per change of the credentials it reads, not per request. */
class CompositeValuesTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private final AtomicLong now = new AtomicLong(1_000);
    private final CompositeValues composites = new CompositeValues(new CredentialCache(60_000_000_000L, 100, now::get));
    private final AtomicInteger evaluations = new AtomicInteger();
    private final ValueExpression basic = ValueExpression.parse("base64(EMAIL + \":\" + TOKEN)");

    private static VaultRuntime vault(String id, CredentialRecord... creds) {
        Map<String, CredentialRecord> byName = new java.util.HashMap<>();
        for (CredentialRecord c : creds) {
            byName.put(c.name(), c);
        }
        return new VaultRuntime(new VaultRecord(id, "v-" + id, "tunnel", new byte[0], T, "owner"),
                VaultMatcher.compile(List.of()), Map.of(), byName, Map.of());
    }

    private static CredentialRecord cred(String name, int version, int ciphertextByte) {
        return new CredentialRecord("v", name, null, version, new byte[] {(byte) ciphertextByte, 7, 7}, T, T, "owner");
    }

    private String get(VaultRuntime vr, String result) {
        byte[] v = composites.get(vr, basic, () -> {
            evaluations.incrementAndGet();
            return result.getBytes(StandardCharsets.UTF_8);
        });
        String s = new String(v, StandardCharsets.UTF_8);
        Arrays.fill(v, (byte) 0); // the injector wipes what it was given: the cache must have kept its own copy
        return s;
    }

    @Test
    void evaluatedOncePerCredentialVersions() {
        VaultRuntime v1 = vault("a", cred("EMAIL", 1, 1), cred("TOKEN", 1, 2));
        assertThat(get(v1, "first")).isEqualTo("first");
        assertThat(get(v1, "not-evaluated")).isEqualTo("first");
        assertThat(get(vault("a", cred("EMAIL", 1, 1), cred("TOKEN", 1, 2)), "not-evaluated")).isEqualTo("first");
        assertThat(evaluations).hasValue(1);

        // one of the two credentials rotated: a new version, so a new evaluation
        VaultRuntime v2 = vault("a", cred("EMAIL", 1, 1), cred("TOKEN", 2, 3));
        assertThat(get(v2, "second")).isEqualTo("second");
        assertThat(get(v2, "not-evaluated")).isEqualTo("second");
        assertThat(evaluations).hasValue(2);
    }

    @Test
    void sameVersionsButDifferentCiphertextOrVaultAreNotHits() {
        assertThat(get(vault("a", cred("EMAIL", 1, 1), cred("TOKEN", 1, 2)), "x")).isEqualTo("x");
        assertThat(get(vault("a", cred("EMAIL", 1, 1), cred("TOKEN", 1, 9)), "resealed")).isEqualTo("resealed");
        assertThat(get(vault("b", cred("EMAIL", 1, 1), cred("TOKEN", 1, 9)), "other-vault")).isEqualTo("other-vault");
        assertThat(evaluations).hasValue(3);
    }

    @Test
    void aMissingCredentialIsNeverCached() {
        VaultRuntime partial = vault("a", cred("EMAIL", 1, 1));
        get(partial, "refused-in-real-life");
        get(partial, "refused-in-real-life");
        assertThat(evaluations).hasValue(2);
    }

    @Test
    void entriesExpireWithTheCacheTtl() {
        VaultRuntime v1 = vault("a", cred("EMAIL", 1, 1), cred("TOKEN", 1, 2));
        get(v1, "first");
        now.addAndGet(60_000_000_000L);
        assertThat(get(v1, "again")).isEqualTo("again");
        assertThat(evaluations).hasValue(2);
    }
}
