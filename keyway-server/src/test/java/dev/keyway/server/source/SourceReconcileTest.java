package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.crypto.MasterKey;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.testing.MutableClock;
import dev.keyway.server.VaultService;
import dev.keyway.store.sqlite.SqliteStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@link SourceService}s on one database stand for two cluster nodes: a source changed or
 * removed through node A must not keep serving node B's adapter and cached values until their TTL
 * (or a restart of B). B learns of the change at its next snapshot rebuild, which calls
 * {@link SourceService#reconcile()}.
 */
class SourceReconcileTest {
    @TempDir
    java.nio.file.Path dir;

    final MutableClock clock = new MutableClock();
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    final Map<String, String> env = new java.util.HashMap<>(Map.of("OPENAI_KEY", "sk-first"));
    SqliteStore store;
    SourceService nodeA;
    SourceService nodeB;
    LinkedValues valuesB;

    @BeforeEach
    void setUp() throws Exception {
        store = SqliteStore.open(dir.resolve("k.db"), clock);
        MasterKey mk = MasterKey.random();
        VaultService vaults = new VaultService(store, () -> mk, () -> {});
        SourceTypes.Deps deps = new SourceTypes.Deps(clock, env::get);
        nodeA = new SourceService(store, vaults, deps, () -> {});
        nodeB = new SourceService(store, vaults, deps, () -> {});
        valuesB = new LinkedValues(clock, tasks::add, () -> 0.0, (k, v, f) -> {}, 100);
        nodeB.attach(valuesB);
        nodeA.put("env", SourceTypes.ENV, Map.of(), Map.of(), "alice");
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    /** Node B's proxy lookup, running the fetch it starts. */
    LinkedValues.Lookup lookupOnB() {
        SecretSource s = nodeB.open("env");
        LinkedValues.Lookup l = valuesB.lookup(new LinkedValues.Key("env", "OPENAI_KEY"), s, Duration.ofMinutes(5), Duration.ZERO);
        if (l instanceof LinkedValues.Pending p) {
            while (!tasks.isEmpty()) {
                tasks.poll().run();
            }
            return p.result().join();
        }
        return l;
    }

    @Test
    void aSourceChangedOnAnotherNodeDropsThisNodesAdapterAndCachedValues() {
        assertThat(lookupOnB()).isInstanceOfSatisfying(LinkedValues.Hit.class, h -> assertThat(h.cached()).isFalse());
        assertThat(lookupOnB()).isInstanceOfSatisfying(LinkedValues.Hit.class, h -> assertThat(h.cached()).isTrue());
        SecretSource before = nodeB.open("env");

        nodeB.reconcile(); // nothing changed: the adapter and the cache stay
        assertThat(nodeB.open("env")).isSameAs(before);
        assertThat(lookupOnB()).isInstanceOfSatisfying(LinkedValues.Hit.class, h -> assertThat(h.cached()).isTrue());

        clock.advance(Duration.ofSeconds(1));
        env.put("OPENAI_KEY", "sk-second");
        nodeA.put("env", SourceTypes.ENV, Map.of(), Map.of(), "alice"); // the edit, through node A
        assertThat(lookupOnB()).as("before B syncs, its cache still answers")
                .isInstanceOfSatisfying(LinkedValues.Hit.class, h -> assertThat(h.cached()).isTrue());

        nodeB.reconcile(); // B's snapshot rebuild after the change log entry
        assertThat(nodeB.open("env")).isNotSameAs(before);
        assertThat(lookupOnB()).isInstanceOfSatisfying(LinkedValues.Hit.class, h -> {
            assertThat(h.cached()).as("fetched again after the edit").isFalse();
            assertThat(new String(h.value(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("sk-second");
        });
    }

    @Test
    void aSourceRemovedOnAnotherNodeIsGoneHereAtTheNextSync() {
        assertThat(lookupOnB()).isInstanceOf(LinkedValues.Hit.class);
        nodeA.remove("env");
        nodeB.reconcile();
        assertThatThrownBy(() -> nodeB.open("env")).isInstanceOf(KeywayException.class).hasMessageContaining("does not exist");
    }
}
