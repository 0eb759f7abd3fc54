package dev.keyway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.testing.MutableClock;
import dev.keyway.store.Store.ServiceSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.keyway.core.approval.ApprovalState;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link Store} contract, run against every implementation (SQLite, later PostgreSQL).
 * Nothing here may depend on a particular database.
 */
public abstract class StoreContractTest {
    protected static final Instant T0 = Instant.parse("2026-01-02T03:04:05.678Z");

    @TempDir
    protected Path dir;

    protected MutableClock clock;
    protected Store store;

    /** A fresh, empty, migrated store whose timestamps come from {@code clock}. */
    protected abstract Store newStore(Path dir, Clock clock);

    /** A second store on the database {@link #newStore} opened (another node of a cluster); the caller closes it. */
    protected abstract Store openSameDatabase(Path dir, Clock clock);

    @BeforeEach
    void openStore() {
        clock = new MutableClock(T0);
        store = newStore(dir, clock);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected VaultRecord vault(String name) {
        return store.createVault(name, bytes("wrapped-" + name), "alice");
    }

    protected static TokenRecord token(String id, @Nullable String vaultId) {
        return token(id, vaultId, null);
    }

    protected static TokenRecord token(String id, @Nullable String vaultId, @Nullable String subject) {
        return new TokenRecord(id, "acc-" + id, bytes("hash-" + id), vaultId == null ? "admin" : "scoped", vaultId,
                vaultId == null ? null : "proxy", "token " + id, "alice", T0, T0.plusSeconds(3600),
                Duration.ofMinutes(30), T0.plusSeconds(86400), null, false, vaultId == null ? null : "github,openai",
                null, subject);
    }

    /** A pending proposal on {@code vaultId} created at the test clock's time; blank id = let the store pick. */
    protected ProposalRecord proposal(String vaultId, String id) {
        Instant now = clock.instant();
        return new ProposalRecord(id, vaultId, "pending", "{\"services\":[]}", "please", "agent:bot", now,
                now.plus(Duration.ofDays(7)), null, null, null, null, null);
    }

    private static void assertKeyway(ThrowingCallable call, ErrorType type) {
        assertThatThrownBy(call).isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(type));
    }

    private void assertBumps(String what, Runnable write) {
        long before = store.revision();
        write.run();
        assertThat(store.revision()).as(what).isEqualTo(before + 1);
    }

    private void assertNoBump(String what, Runnable write) {
        long before = store.revision();
        write.run();
        assertThat(store.revision()).as(what).isEqualTo(before);
    }

    // ---- meta ----

    @Test
    void metaPutGetAndPutIfAbsent() {
        assertThat(store.meta("instance.id")).isEmpty();
        store.putMeta("instance.id", "one");
        assertThat(store.meta("instance.id")).contains("one");
        store.putMeta("instance.id", "two");
        assertThat(store.meta("instance.id")).contains("two");

        assertThat(store.putMetaIfAbsent("ca.cert", "pem-1")).isTrue();
        assertThat(store.putMetaIfAbsent("ca.cert", "pem-2")).isFalse();
        assertThat(store.meta("ca.cert")).contains("pem-1");
    }

    @Test
    void pingIsTrueWhileOpen() {
        assertThat(store.ping()).isTrue();
    }

    @Test
    void closedStoreFailsWithStoreException() {
        store.close();
        assertThatThrownBy(() -> store.listVaults()).isInstanceOf(StoreException.class);
        assertThat(store.ping()).isFalse();
        store.close(); // idempotent
    }

    // ---- revision ----

    @Test
    void everyWriteBumpsRevisionByExactlyOne() {
        VaultRecord[] v = new VaultRecord[1];
        assertBumps("createVault", () -> v[0] = vault("main"));
        String id = v[0].id();
        assertBumps("putMeta", () -> store.putMeta("k", "v"));
        assertBumps("putMetaIfAbsent (new key)", () -> store.putMetaIfAbsent("k2", "v"));
        assertBumps("setUnmatchedPolicy", () -> store.setUnmatchedPolicy(id, "deny"));
        assertBumps("rewrapVaultKeys", () -> store.rewrapVaultKeys(x -> bytes("new"), Map.of("kdf", "x")));
        assertBumps("putCredential (new)", () -> store.putCredential(id, "gh", "d", "alice", ver -> bytes("c")));
        assertBumps("putCredential (update)", () -> store.putCredential(id, "gh", null, "alice", ver -> bytes("c")));
        assertBumps("putService (new)", () -> store.putService(id, "github", "{}", true, "alice"));
        assertBumps("putService (update)", () -> store.putService(id, "github", "{\"a\":1}", true, "alice"));
        assertBumps("setServiceEnabled", () -> store.setServiceEnabled(id, "github", false, "alice"));
        assertBumps("replaceServices", () -> store.replaceServices(id, List.of(new ServiceSpec("x", "{}", true)), "bob"));
        assertBumps("insertToken", () -> store.insertToken(token("t1", id)));
        assertBumps("updateTokenExpiry", () -> store.updateTokenExpiry("t1", T0.plusSeconds(7200)));
        assertBumps("revokeToken", () -> store.revokeToken("t1"));
        assertBumps("deleteService", () -> store.deleteService(id, "x"));
        assertBumps("deleteCredential", () -> store.deleteCredential(id, "gh"));
        assertBumps("deleteVault", () -> store.deleteVault(id));
    }

    @Test
    void everyIdentityWriteBumpsRevisionByExactlyOne() {
        String id = vault("main").id();
        UserRecord[] u = new UserRecord[1];
        AgentRecord[] a = new AgentRecord[1];
        ProposalRecord[] p = new ProposalRecord[1];
        WebhookRecord[] w = new WebhookRecord[1];
        assertBumps("createUser", () -> u[0] = store.createUser("a@example.com", "hash", "owner"));
        assertBumps("updateUserPassword", () -> store.updateUserPassword(u[0].id(), "hash2"));
        assertBumps("setUserDisabled", () -> store.setUserDisabled(u[0].id(), true));
        assertBumps("setUserDisabled (enable)", () -> store.setUserDisabled(u[0].id(), false));
        assertBumps("createAgent", () -> a[0] = store.createAgent("bot", null, "alice"));
        assertBumps("setAgentRevoked", () -> store.setAgentRevoked(a[0].id(), true));
        assertBumps("setGrant (new)", () -> store.setGrant(u[0].id(), id, "admin"));
        assertBumps("setGrant (replace)", () -> store.setGrant(u[0].id(), id, "member"));
        assertBumps("removeGrant", () -> store.removeGrant(u[0].id(), id));
        store.insertToken(token("t1", null, a[0].id()));
        assertBumps("revokeTokensOfSubject", () -> store.revokeTokensOfSubject(a[0].id()));
        assertBumps("deleteAgent", () -> store.deleteAgent(a[0].id()));
        assertBumps("createProposal", () -> p[0] = store.createProposal(proposal(id, "")));
        assertBumps("decideProposal", () -> store.decideProposal(p[0].id(), "pending", "approved", "bob", null, T0));
        assertBumps("createWebhook", () -> w[0] = store.createWebhook("https://hooks.example/x", "json", "alice"));
        assertBumps("deleteWebhook", () -> store.deleteWebhook(w[0].id()));
    }

    @Test
    void noOpsFailuresAndLastUseBookkeepingDoNotBumpRevision() {
        String id = vault("main").id();
        store.insertToken(token("t1", null));
        store.putMeta("k", "v");
        assertNoBump("putMetaIfAbsent (existing)", () -> store.putMetaIfAbsent("k", "other"));
        assertBumps("deleteMeta", () -> assertThat(store.deleteMeta("k")).isTrue());
        assertNoBump("deleteMeta (missing)", () -> assertThat(store.deleteMeta("k")).isFalse());
        assertThat(store.meta("k")).isEmpty();
        store.putMeta("k", "v");
        assertNoBump("deleteVault (missing)", () -> store.deleteVault("vlt_missing"));
        assertNoBump("deleteCredential (missing)", () -> store.deleteCredential(id, "nope"));
        assertNoBump("deleteService (missing)", () -> store.deleteService(id, "nope"));
        assertNoBump("setServiceEnabled (missing)", () -> store.setServiceEnabled(id, "nope", true, "a"));
        assertNoBump("revokeToken (missing)", () -> store.revokeToken("nope"));
        assertNoBump("updateTokenExpiry (missing)", () -> store.updateTokenExpiry("nope", T0));
        assertNoBump("touchTokens", () -> store.touchTokens(Map.of("t1", T0.plusSeconds(5))));
        assertNoBump("createVault (duplicate)", () -> assertKeyway(() -> vault("main"), ErrorType.CONFLICT));

        store.createUser("a@example.com", "h", "member");
        String agent = store.createAgent("bot", null, "alice").id();
        String hook = store.createWebhook("https://hooks.example/x", "slack", "alice").id();
        String prp = store.createProposal(proposal(id, "")).id();
        store.decideProposal(prp, "pending", "rejected", "bob", "no", T0);
        assertNoBump("createUser (duplicate)",
                () -> assertKeyway(() -> store.createUser("A@example.com", "h", "member"), ErrorType.CONFLICT));
        assertNoBump("updateUserPassword (missing)", () -> store.updateUserPassword("usr_missing", "h"));
        assertNoBump("setUserDisabled (missing)", () -> store.setUserDisabled("usr_missing", true));
        assertNoBump("setUserDisabled (already enabled)",
                () -> store.setUserDisabled(store.userByEmail("a@example.com").orElseThrow().id(), false));
        assertNoBump("createAgent (duplicate)",
                () -> assertKeyway(() -> store.createAgent("bot", null, "a"), ErrorType.CONFLICT));
        assertNoBump("setAgentRevoked (missing)", () -> store.setAgentRevoked("agt_missing", true));
        assertNoBump("deleteAgent (missing)", () -> store.deleteAgent("agt_missing"));
        assertNoBump("removeGrant (missing)", () -> store.removeGrant(agent, id));
        assertNoBump("revokeTokensOfSubject (none)", () -> store.revokeTokensOfSubject(agent));
        assertNoBump("decideProposal (lost race)",
                () -> store.decideProposal(prp, "pending", "approved", "bob", null, T0));
        assertNoBump("deleteWebhook (missing)", () -> store.deleteWebhook("whk_missing"));
        assertNoBump("recordWebhookDelivery", () -> store.recordWebhookDelivery(hook, T0, "HTTP 500"));
    }

    // ---- vaults ----

    @Test
    void createVaultAssignsIdDefaultsAndTimestamps() {
        VaultRecord v = store.createVault("main", bytes("wk"), "alice");
        assertThat(v.id()).matches("vlt_[a-z2-7]{16}");
        assertThat(v.name()).isEqualTo("main");
        assertThat(v.unmatchedPolicy()).isEqualTo("tunnel");
        assertThat(v.wrappedKey()).isEqualTo(bytes("wk"));
        assertThat(v.createdAt()).isEqualTo(T0);
        assertThat(v.createdBy()).isEqualTo("alice");
        assertThat(store.vaultById(v.id())).get().usingRecursiveComparison().isEqualTo(v);
        assertThat(store.vaultByName("main")).get().usingRecursiveComparison().isEqualTo(v);
        assertThat(vault("other").id()).isNotEqualTo(v.id());
    }

    @Test
    void duplicateVaultNameIsConflict() {
        vault("main");
        assertKeyway(() -> vault("main"), ErrorType.CONFLICT);
        assertThat(store.listVaults()).hasSize(1);
    }

    @Test
    void listVaultsIsSortedByNameAndLookupsOfUnknownAreEmpty() {
        vault("zeta");
        vault("alpha");
        vault("mid");
        assertThat(store.listVaults()).extracting(VaultRecord::name).containsExactly("alpha", "mid", "zeta");
        assertThat(store.vaultByName("nope")).isEmpty();
        assertThat(store.vaultById("vlt_nope")).isEmpty();
    }

    @Test
    void deleteVaultCascadesToCredentialsServicesAndBoundTokens() {
        String id = vault("main").id();
        String other = vault("other").id();
        store.putCredential(id, "gh", null, "alice", v -> bytes("c"));
        store.putService(id, "github", "{}", true, "alice");
        store.insertToken(token("bound", id));
        store.insertToken(token("global", null));
        store.putCredential(other, "gh", null, "alice", v -> bytes("c"));

        assertThat(store.deleteVault(id)).isTrue();

        assertThat(store.vaultById(id)).isEmpty();
        assertThat(store.listCredentials(id)).isEmpty();
        assertThat(store.listServices(id)).isEmpty();
        assertThat(store.tokenById("bound")).isEmpty();
        assertThat(store.tokenById("global")).isPresent();
        assertThat(store.listCredentials(other)).hasSize(1);
        assertThat(store.deleteVault(id)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tunnel", "intercept", "deny"})
    void setUnmatchedPolicyAcceptsTheThreePolicies(String policy) {
        String id = vault("main").id();
        store.setUnmatchedPolicy(id, policy);
        assertThat(store.vaultById(id)).get().extracting(VaultRecord::unmatchedPolicy).isEqualTo(policy);
    }

    @Test
    void setUnmatchedPolicyRejectsUnknownPolicyAndMissingVault() {
        String id = vault("main").id();
        assertKeyway(() -> store.setUnmatchedPolicy(id, "allow"), ErrorType.VALIDATION);
        assertKeyway(() -> store.setUnmatchedPolicy("vlt_missing", "deny"), ErrorType.NOT_FOUND);
        assertThat(store.vaultById(id)).get().extracting(VaultRecord::unmatchedPolicy).isEqualTo("tunnel");
    }

    @Test
    void rewrapVaultKeysReplacesEveryKeyAndAppliesMeta() {
        String a = vault("a").id();
        String b = vault("b").id();
        store.putMeta("keyring", "old");
        store.rewrapVaultKeys(v -> bytes("re-" + v.name()), Map.of("keyring", "new", "rotated", "yes"));
        assertThat(store.vaultById(a).orElseThrow().wrappedKey()).isEqualTo(bytes("re-a"));
        assertThat(store.vaultById(b).orElseThrow().wrappedKey()).isEqualTo(bytes("re-b"));
        assertThat(store.meta("keyring")).contains("new");
        assertThat(store.meta("rotated")).contains("yes");
    }

    @Test
    void rewrapVaultKeysIsAllOrNothing() {
        vault("a");
        vault("b");
        store.putMeta("keyring", "old");
        long rev = store.revision();
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> store.rewrapVaultKeys(v -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("unwrap failed");
            }
            return bytes("re-" + v.name());
        }, Map.of("keyring", "new"))).isInstanceOf(IllegalStateException.class).hasMessage("unwrap failed");
        assertThat(store.listVaults()).extracting(v -> new String(v.wrappedKey(), StandardCharsets.UTF_8))
                .containsExactly("wrapped-a", "wrapped-b");
        assertThat(store.meta("keyring")).contains("old");
        assertThat(store.revision()).isEqualTo(rev);
    }

    // ---- credentials ----

    @Test
    void putCredentialCreatesVersionOneThenIncrements() {
        String id = vault("main").id();
        List<Integer> asked = new ArrayList<>();
        CredentialRecord c1 = store.putCredential(id, "gh", "GitHub PAT", "alice", v -> {
            asked.add(v);
            return bytes("ct-v" + v);
        });
        assertThat(c1.version()).isEqualTo(1);
        assertThat(c1.ciphertext()).isEqualTo(bytes("ct-v1"));
        assertThat(c1.createdAt()).isEqualTo(T0);
        assertThat(c1.updatedAt()).isEqualTo(T0);
        assertThat(store.credential(id, "gh")).get().usingRecursiveComparison().isEqualTo(c1);

        Instant later = clock.advance(Duration.ofMinutes(5));
        CredentialRecord c2 = store.putCredential(id, "gh", null, "bob", v -> {
            asked.add(v);
            return bytes("ct-v" + v);
        });
        assertThat(asked).containsExactly(1, 2);
        assertThat(c2.version()).isEqualTo(2);
        assertThat(c2.description()).as("null keeps the description").isEqualTo("GitHub PAT");
        assertThat(c2.createdAt()).isEqualTo(T0);
        assertThat(c2.updatedAt()).isEqualTo(later);
        assertThat(c2.updatedBy()).isEqualTo("bob");
        assertThat(store.credential(id, "gh")).get().usingRecursiveComparison().isEqualTo(c2);

        CredentialRecord c3 = store.putCredential(id, "gh", "rotated", "bob", v -> bytes("ct-v" + v));
        assertThat(c3.version()).isEqualTo(3);
        assertThat(store.credential(id, "gh").orElseThrow().description()).isEqualTo("rotated");
    }

    @Test
    void concurrentUpdatesGetDistinctConsecutiveVersions() throws Exception {
        String id = vault("main").id();
        int writers = 8;
        int each = 10;
        List<Integer> versions = java.util.Collections.synchronizedList(new ArrayList<>());
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        versions.add(store.putCredential(id, "shared", null, "a", v -> bytes("v" + v)).version());
                    }
                    return null;
                }));
            }
            for (var f : done) {
                f.get();
            }
        }
        assertThat(versions).hasSize(writers * each).doesNotHaveDuplicates();
        assertThat(store.credential(id, "shared").orElseThrow().version()).isEqualTo(writers * each);
        assertThat(store.credential(id, "shared").orElseThrow().ciphertext()).isEqualTo(bytes("v" + writers * each));
    }

    @Test
    void putCredentialIntoMissingVaultIsNotFoundWithoutEncrypting() {
        AtomicInteger calls = new AtomicInteger();
        assertKeyway(() -> store.putCredential("vlt_missing", "gh", null, "a", v -> {
            calls.incrementAndGet();
            return bytes("x");
        }), ErrorType.NOT_FOUND);
        assertThat(calls).hasValue(0);
    }

    @Test
    void failingEncryptionWritesNothing() {
        String id = vault("main").id();
        store.putCredential(id, "gh", null, "a", v -> bytes("v1"));
        assertThatThrownBy(() -> store.putCredential(id, "gh", null, "a", v -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.putCredential(id, "new", null, "a", v -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(store.credential(id, "gh").orElseThrow().version()).isEqualTo(1);
        assertThat(store.credential(id, "new")).isEmpty();
    }

    @Test
    void credentialsAreScopedPerVaultListedByNameAndDeletable() {
        String a = vault("a").id();
        String b = vault("b").id();
        store.putCredential(a, "zz", null, "x", v -> bytes("1"));
        store.putCredential(a, "aa", null, "x", v -> bytes("2"));
        store.putCredential(b, "aa", null, "x", v -> bytes("3"));
        store.putCredential(b, "aa", null, "x", v -> bytes("4"));
        assertThat(store.listCredentials(a)).extracting(CredentialRecord::name).containsExactly("aa", "zz");
        assertThat(store.credential(a, "aa").orElseThrow().version()).isEqualTo(1);
        assertThat(store.credential(b, "aa").orElseThrow().version()).isEqualTo(2);
        assertThat(store.listCredentials("vlt_missing")).isEmpty();

        assertThat(store.deleteCredential(a, "aa")).isTrue();
        assertThat(store.deleteCredential(a, "aa")).isFalse();
        assertThat(store.credential(a, "aa")).isEmpty();
        assertThat(store.credential(b, "aa")).isPresent();
        assertThat(store.putCredential(a, "aa", null, "x", v -> bytes("5")).version())
                .as("a re-created credential starts again at 1").isEqualTo(1);
    }

    // ---- decoy credentials (issue 13 §7) ----

    @Test
    void decoysAreStoredPerVaultConflictWithCredentialsAndCascadeWithTheVault() {
        String a = vault("a").id();
        String b = vault("b").id();
        java.time.Instant at = java.time.Instant.ofEpochMilli(1_700_000_000_000L);
        DecoyRecord d = new DecoyRecord(a, "OPENAI_API_KEY", "sk-proj-abcdefghijklmnopqrstuvwxyz", "openai", true, at, "alice");
        assertBumps("insertDecoy", () -> store.insertDecoy(d));
        store.insertDecoy(new DecoyRecord(a, "AAA", "plainplainplainplainplain", null, false, at, "alice"));
        store.insertDecoy(new DecoyRecord(b, "OPENAI_API_KEY", "sk-proj-zyxwvutsrqponmlkjihgfedcba", "openai", false, at, "bob"));
        assertThat(store.listDecoys(a)).containsExactly(
                new DecoyRecord(a, "AAA", "plainplainplainplainplain", null, false, at, "alice"), d);
        assertThat(store.listDecoys(a).get(1).toString()).doesNotContain(d.value());

        assertNoBump("insertDecoy (duplicate)", () -> assertKeyway(() -> store.insertDecoy(d), ErrorType.CONFLICT));
        store.putCredential(a, "REAL", null, "x", v -> bytes("1"));
        assertKeyway(() -> store.insertDecoy(new DecoyRecord(a, "REAL", "realrealrealrealreal", null, false, at, "x")),
                ErrorType.CONFLICT);
        assertKeyway(() -> store.insertDecoy(new DecoyRecord("vlt_missing", "X", "xxxxxxxxxxxxxxxxxxxx", null, false, at, "x")),
                ErrorType.NOT_FOUND);

        assertBumps("deleteDecoy", () -> assertThat(store.deleteDecoy(a, "AAA")).isTrue());
        assertNoBump("deleteDecoy (missing)", () -> assertThat(store.deleteDecoy(a, "AAA")).isFalse());
        assertThat(store.deleteVault(b)).isTrue();
        assertThat(store.listDecoys(b)).isEmpty();
        assertThat(store.listDecoys(a)).extracting(DecoyRecord::name).containsExactly("OPENAI_API_KEY");
    }

    // ---- credential sources (issue 10) ----

    @Test
    void sourcesStoreSettingsAndSealedSecretsAndBumpTheSecretsVersion() {
        long rev = store.revision();
        SourceRecord s = store.putSource("vault-prod", "hashicorp-vault", "{\"addr\":\"https://v\"}",
                v -> bytes("sealed-v" + v), "alice");
        assertThat(s.id()).startsWith("src_");
        assertThat(s.secretsVersion()).isEqualTo(1);
        assertThat(store.revision()).isGreaterThan(rev);
        SourceRecord again = store.putSource("vault-prod", "hashicorp-vault", "{}", v -> null, "bob");
        assertThat(again.id()).isEqualTo(s.id());
        assertThat(again.secretsVersion()).isEqualTo(2);
        assertThat(again.createdBy()).isEqualTo("alice");
        SourceRecord read = store.source("vault-prod").orElseThrow();
        assertThat(read.secrets()).isNull();
        assertThat(read.settingsJson()).isEqualTo("{}");
        store.putSource("env", "env", "{}", v -> bytes("x"), "alice");
        assertThat(store.listSources()).extracting(SourceRecord::name).containsExactly("env", "vault-prod");
        assertThat(store.source("env").orElseThrow().secrets()).isEqualTo(bytes("x"));
        assertThat(store.toString()).doesNotContain("sealed");
    }

    @Test
    void linkedCredentialHasNoValueAndItsSourceCannotBeRemovedWhileUsed() {
        String a = vault("a").id();
        store.putSource("env", "env", "{}", v -> null, "alice");
        assertThatThrownBy(() -> store.linkCredential(a, "API_KEY", null, "alice",
                new CredentialRecord.Link("missing", "X", 300, 0)))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.NOT_FOUND));
        store.putCredential(a, "API_KEY", "d", "alice", v -> bytes("stored"));
        CredentialRecord linked = store.linkCredential(a, "API_KEY", null, "alice",
                new CredentialRecord.Link("env", "MY_KEY", 300, 60));
        assertThat(linked.version()).as("re-linking bumps the version").isEqualTo(2);
        CredentialRecord read = store.credential(a, "API_KEY").orElseThrow();
        assertThat(read.ciphertext()).as("no value in the database").isEmpty();
        assertThat(read.link()).isEqualTo(new CredentialRecord.Link("env", "MY_KEY", 300, 60));
        assertThat(read.description()).isEqualTo("d");
        assertThat(store.credentialsLinkedTo("env")).extracting(CredentialRecord::name).containsExactly("API_KEY");
        assertThatThrownBy(() -> store.deleteSource("env"))
                .isInstanceOfSatisfying(KeywayException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.CONFLICT);
                    assertThat(e.detail()).contains("a/API_KEY");
                });
        CredentialRecord stored = store.putCredential(a, "API_KEY", null, "alice", v -> bytes("again"));
        assertThat(stored.link()).isNull();
        assertThat(store.credential(a, "API_KEY").orElseThrow().link()).as("storing a value unlinks").isNull();
        assertThat(store.deleteSource("env")).isTrue();
        assertThat(store.deleteSource("env")).isFalse();
    }

    @Test
    void oauthCredentialRotatesBySecretsVersionAndIsDroppedWithItsCredential() {
        String a = vault("a").id();
        OAuthRecord.Settings settings = new OAuthRecord.Settings("refresh_token", "https://auth.example/token", "client-1",
                "{\"scopes\":[\"read\"]}");
        CredentialRecord c = store.putOAuthCredential(a, "GH", "gh", "alice", settings, v -> bytes("sealed-" + v));
        assertThat(c.link()).isNotNull();
        assertThat(c.link().source()).isEqualTo(OAuthRecord.SOURCE);
        assertThat(c.ciphertext()).as("no value in the database").isEmpty();
        OAuthRecord r = store.oauthCredential(a, "GH").orElseThrow();
        assertThat(r.secretsVersion()).isEqualTo(1);
        assertThat(r.secrets()).isEqualTo(bytes("sealed-1"));
        assertThat(r.state()).isEqualTo(OAuthRecord.State.OK);
        assertThat(r.tokenUrl()).isEqualTo("https://auth.example/token");
        assertThat(r.toString()).doesNotContain("sealed");

        long rev = store.revision();
        assertThat(store.rotateOAuthSecrets(a, "GH", 1, v -> bytes("sealed-" + v))).isTrue();
        assertThat(store.rotateOAuthSecrets(a, "GH", 1, v -> bytes("lost-" + v)))
                .as("a second rotation from the same version loses the compare-and-set").isFalse();
        assertThat(store.oauthCredential(a, "GH").orElseThrow().secrets()).isEqualTo(bytes("sealed-2"));
        assertThat(store.revision()).as("rotation changes nothing a snapshot holds").isEqualTo(rev);

        assertThat(store.setOAuthState(a, "GH", 1, OAuthRecord.State.BROKEN, "old")).as("stale version").isFalse();
        assertThat(store.setOAuthState(a, "GH", 2, OAuthRecord.State.BROKEN, "invalid_grant")).isTrue();
        assertThat(store.oauthCredential(a, "GH").orElseThrow().state()).isEqualTo(OAuthRecord.State.BROKEN);
        assertThat(store.listOAuthCredentials()).extracting(OAuthRecord::name).containsExactly("GH");

        store.putOAuthCredential(a, "GH", null, "alice", settings, v -> bytes("again-" + v));
        OAuthRecord again = store.oauthCredential(a, "GH").orElseThrow();
        assertThat(again.secretsVersion()).as("re-authorizing moves the secrets version on").isEqualTo(3);
        assertThat(again.state()).as("re-authorizing clears broken").isEqualTo(OAuthRecord.State.OK);
        assertThat(store.credential(a, "GH").orElseThrow().description()).isEqualTo("gh");

        store.putCredential(a, "GH", null, "alice", v -> bytes("stored"));
        assertThat(store.oauthCredential(a, "GH")).as("a stored value replaces the minting").isEmpty();
        store.putOAuthCredential(a, "GH", null, "alice", settings, v -> bytes("x"));
        assertThat(store.deleteCredential(a, "GH")).isTrue();
        assertThat(store.oauthCredential(a, "GH")).as("deleted with its credential").isEmpty();
        store.putOAuthCredential(a, "GH", null, "alice", settings, v -> bytes("x"));
        store.deleteVault(a);
        assertThat(store.listOAuthCredentials()).as("deleted with its vault").isEmpty();
    }

    // ---- services ----

    @Test
    void putServiceAppendsInDeclarationOrderAndUpdatesInPlace() {
        String id = vault("main").id();
        ServiceRecord gh = store.putService(id, "github", "{\"host\":\"api.github.com\"}", true, "alice");
        store.putService(id, "openai", "{}", true, "alice");
        store.putService(id, "anthropic", "{}", false, "alice");
        assertThat(gh.position()).isZero();
        assertThat(gh.createdAt()).isEqualTo(T0);
        assertThat(store.listServices(id)).extracting(ServiceRecord::name)
                .containsExactly("github", "openai", "anthropic");

        Instant later = clock.advance(Duration.ofMinutes(1));
        ServiceRecord updated = store.putService(id, "github", "{\"v\":2}", false, "bob");
        assertThat(updated.position()).isEqualTo(gh.position());
        assertThat(updated.createdAt()).isEqualTo(T0);
        assertThat(updated.updatedAt()).isEqualTo(later);
        assertThat(updated.updatedBy()).isEqualTo("bob");
        assertThat(updated.enabled()).isFalse();
        assertThat(store.service(id, "github")).get().usingRecursiveComparison().isEqualTo(updated);
        assertThat(store.listServices(id)).extracting(ServiceRecord::name)
                .containsExactly("github", "openai", "anthropic");

        assertThat(store.deleteService(id, "openai")).isTrue();
        assertThat(store.deleteService(id, "openai")).isFalse();
        store.putService(id, "mistral", "{}", true, "alice");
        assertThat(store.listServices(id)).extracting(ServiceRecord::name)
                .containsExactly("github", "anthropic", "mistral");
        assertThat(store.service(id, "openai")).isEmpty();
    }

    @Test
    void putServiceIntoMissingVaultIsNotFound() {
        assertKeyway(() -> store.putService("vlt_missing", "x", "{}", true, "a"), ErrorType.NOT_FOUND);
    }

    @Test
    void setServiceEnabledTogglesAndReportsMissing() {
        String id = vault("main").id();
        store.putService(id, "github", "{}", true, "alice");
        Instant later = clock.advance(Duration.ofSeconds(1));
        assertThat(store.setServiceEnabled(id, "github", false, "bob")).isTrue();
        ServiceRecord s = store.service(id, "github").orElseThrow();
        assertThat(s.enabled()).isFalse();
        assertThat(s.updatedAt()).isEqualTo(later);
        assertThat(s.updatedBy()).isEqualTo("bob");
        assertThat(store.setServiceEnabled(id, "nope", true, "bob")).isFalse();
    }

    @Test
    void replaceServicesSetsExactlyTheGivenServicesInOrderKeepingCreationTimes() {
        String id = vault("main").id();
        store.putService(id, "a", "{\"a\":1}", true, "alice");
        store.putService(id, "b", "{}", true, "alice");
        store.putService(id, "c", "{\"c\":1}", true, "alice");
        Instant later = clock.advance(Duration.ofHours(1));

        store.replaceServices(id, List.of(
                new ServiceSpec("c", "{\"c\":2}", false),
                new ServiceSpec("d", "{}", true),
                new ServiceSpec("a", "{\"a\":1}", true)), "bob");

        List<ServiceRecord> list = store.listServices(id);
        assertThat(list).extracting(ServiceRecord::name).containsExactly("c", "d", "a");
        assertThat(list).extracting(ServiceRecord::position).isSorted().doesNotHaveDuplicates();
        ServiceRecord c = list.get(0);
        assertThat(c.createdAt()).isEqualTo(T0);
        assertThat(c.specJson()).isEqualTo("{\"c\":2}");
        assertThat(c.enabled()).isFalse();
        assertThat(c.updatedAt()).isEqualTo(later);
        assertThat(c.updatedBy()).isEqualTo("bob");
        ServiceRecord d = list.get(1);
        assertThat(d.createdAt()).isEqualTo(later);
        ServiceRecord a = list.get(2);
        assertThat(a.createdAt()).isEqualTo(T0);
        assertThat(a.updatedAt()).as("unchanged spec keeps its update stamp").isEqualTo(T0);
        assertThat(a.updatedBy()).isEqualTo("alice");
        assertThat(store.service(id, "b")).isEmpty();

        store.putService(id, "e", "{}", true, "bob");
        assertThat(store.listServices(id)).extracting(ServiceRecord::name).containsExactly("c", "d", "a", "e");

        store.replaceServices(id, List.of(), "bob");
        assertThat(store.listServices(id)).isEmpty();
    }

    @Test
    void replaceServicesIsAtomicWhenItFailsPartWay() {
        String id = vault("main").id();
        store.putService(id, "a", "{}", true, "alice");
        store.putService(id, "b", "{}", true, "alice");
        List<ServiceRecord> before = store.listServices(id);
        long rev = store.revision();

        // b is deleted and a rewritten before the third entry violates NOT NULL on spec_json
        List<ServiceSpec> bad = new ArrayList<>();
        bad.add(new ServiceSpec("a", "{\"new\":true}", false));
        bad.add(new ServiceSpec("z", "{}", true));
        bad.add(nullSpec("broken"));
        assertThatThrownBy(() -> store.replaceServices(id, bad, "bob")).isInstanceOf(RuntimeException.class);

        assertThat(store.listServices(id)).usingRecursiveFieldByFieldElementComparator().isEqualTo(before);
        assertThat(store.revision()).isEqualTo(rev);
    }

    /** Deliberately breaks the non-null contract to make the database fail mid-transaction. */
    private static ServiceSpec nullSpec(String name) {
        @Nullable String nothing = null;
        return new ServiceSpec(name, nothing, true);
    }

    @Test
    void replaceServicesRejectsDuplicatesAndMissingVault() {
        String id = vault("main").id();
        store.putService(id, "a", "{}", true, "alice");
        assertKeyway(() -> store.replaceServices(id, List.of(
                new ServiceSpec("x", "{}", true), new ServiceSpec("x", "{}", false)), "bob"), ErrorType.VALIDATION);
        assertThat(store.listServices(id)).extracting(ServiceRecord::name).containsExactly("a");
        assertKeyway(() -> store.replaceServices("vlt_missing", List.of(), "bob"), ErrorType.NOT_FOUND);
    }

    // ---- tokens ----

    @Test
    void tokenRoundTripsAndIsFoundByHashIdAndAccessor() {
        String id = vault("main").id();
        TokenRecord t = token("t1", id);
        store.insertToken(t);
        Consumer<TokenRecord> same = r -> assertThat(r).usingRecursiveComparison().isEqualTo(t);
        same.accept(store.tokenById("t1").orElseThrow());
        same.accept(store.tokenByAccessor("acc-t1").orElseThrow());
        same.accept(store.tokenByHash(bytes("hash-t1")).orElseThrow());
        assertThat(store.tokenByHash(bytes("hash-t2"))).isEmpty();
        assertThat(store.tokenById("t2")).isEmpty();
        assertThat(store.tokenByAccessor("acc-t2")).isEmpty();
    }

    @Test
    void tokenSubjectRoundTrips() {
        String id = vault("main").id();
        TokenRecord t = token("t1", id, "agt_owner");
        store.insertToken(t);
        assertThat(store.tokenById("t1").orElseThrow()).usingRecursiveComparison().isEqualTo(t);
        assertThat(store.listTokens(id)).extracting(TokenRecord::subject).containsExactly("agt_owner");
    }

    @Test
    void tokenWithOnlyRequiredFieldsRoundTrips() {
        TokenRecord t = new TokenRecord("t0", "a0", bytes("h0"), "session", null, null, "cli", "alice", T0,
                null, null, null, null, false, null, "parent", null);
        store.insertToken(t);
        assertThat(store.tokenById("t0").orElseThrow()).usingRecursiveComparison().isEqualTo(t);
    }

    @Test
    void duplicateTokenIdAccessorOrHashIsConflict() {
        store.insertToken(token("t1", null));
        TokenRecord base = token("t2", null);
        TokenRecord sameId = new TokenRecord("t1", "other-acc", bytes("other-hash"), base.type(), null, null,
                "x", "a", T0, null, null, null, null, false, null, null, null);
        TokenRecord sameAccessor = new TokenRecord("t3", "acc-t1", bytes("h3"), base.type(), null, null,
                "x", "a", T0, null, null, null, null, false, null, null, null);
        TokenRecord sameHash = new TokenRecord("t4", "acc-4", bytes("hash-t1"), base.type(), null, null,
                "x", "a", T0, null, null, null, null, false, null, null, null);
        for (TokenRecord dup : List.of(sameId, sameAccessor, sameHash)) {
            assertKeyway(() -> store.insertToken(dup), ErrorType.CONFLICT);
        }
        assertThat(store.listTokens(null)).hasSize(1);
    }

    @Test
    void tokenBoundToMissingVaultIsNotFound() {
        assertKeyway(() -> store.insertToken(token("t1", "vlt_missing")), ErrorType.NOT_FOUND);
    }

    @Test
    void listTokensAllOrByVault() {
        String a = vault("a").id();
        String b = vault("b").id();
        store.insertToken(token("t1", a));
        store.insertToken(token("t2", b));
        store.insertToken(token("t3", null));
        store.insertToken(token("t4", a));
        assertThat(store.listTokens(null)).extracting(TokenRecord::id).containsExactly("t1", "t2", "t3", "t4");
        assertThat(store.listTokens(a)).extracting(TokenRecord::id).containsExactly("t1", "t4");
        assertThat(store.listTokens("vlt_missing")).isEmpty();
    }

    @Test
    void revokeAndRenew() {
        store.insertToken(token("t1", null));
        assertThat(store.revokeToken("t1")).isTrue();
        assertThat(store.tokenById("t1").orElseThrow().revoked()).isTrue();
        assertThat(store.revokeToken("missing")).isFalse();

        Instant newExpiry = T0.plus(Duration.ofDays(2));
        assertThat(store.updateTokenExpiry("t1", newExpiry)).isTrue();
        assertThat(store.tokenById("t1").orElseThrow().expiresAt()).isEqualTo(newExpiry);
        assertThat(store.updateTokenExpiry("missing", newExpiry)).isFalse();
    }

    @Test
    void touchTokensOnlyMovesLastUseForwardAndIgnoresUnknownIds() {
        store.insertToken(token("t1", null));
        store.insertToken(token("t2", null));
        store.touchTokens(Map.of("t1", T0.plusSeconds(10), "t2", T0.plusSeconds(20), "ghost", T0));
        assertThat(store.tokenById("t1").orElseThrow().lastUsedAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(store.tokenById("t2").orElseThrow().lastUsedAt()).isEqualTo(T0.plusSeconds(20));

        store.touchTokens(Map.of("t1", T0.plusSeconds(30), "t2", T0.plusSeconds(5)));
        assertThat(store.tokenById("t1").orElseThrow().lastUsedAt()).isEqualTo(T0.plusSeconds(30));
        assertThat(store.tokenById("t2").orElseThrow().lastUsedAt()).as("older batch ignored")
                .isEqualTo(T0.plusSeconds(20));
        store.touchTokens(Map.of());
    }

    // ---- users ----

    @Test
    void createUserAssignsIdAndIsFoundByIdAndEmailInAnyCase() {
        UserRecord u = store.createUser("Alice@Example.com", "$argon2id$hash", "owner");
        assertThat(u.id()).matches("usr_[a-z2-7]{16}");
        assertThat(u.email()).as("kept as entered").isEqualTo("Alice@Example.com");
        assertThat(u.passwordHash()).isEqualTo("$argon2id$hash");
        assertThat(u.role()).isEqualTo("owner");
        assertThat(u.createdAt()).isEqualTo(T0);
        assertThat(u.disabled()).isFalse();
        assertThat(store.userById(u.id())).contains(u);
        assertThat(store.userByEmail("alice@example.com")).contains(u);
        assertThat(store.userByEmail("ALICE@EXAMPLE.COM")).contains(u);
        assertThat(store.userByEmail("bob@example.com")).isEmpty();
        assertThat(store.userById("usr_missing")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
        "alice@example.com, alice@example.com",
        "Alice@Example.com, aLICE@example.COM",
        "ÉLODIE@example.fr, élodie@EXAMPLE.fr"})
    void duplicateEmailIgnoringCaseIsConflict(String first, String second) {
        store.createUser(first, "h", "owner");
        assertKeyway(() -> store.createUser(second, "h2", "member"), ErrorType.CONFLICT);
        assertThat(store.listUsers()).extracting(UserRecord::email).containsExactly(first);
    }

    @Test
    void listUsersIsSortedByEmailIgnoringCaseAndPasswordsCanBeChanged() {
        UserRecord c = store.createUser("carol@example.com", "h", "member");
        store.createUser("Bob@example.com", "h", "member");
        store.createUser("alice@example.com", "h", "owner");
        assertThat(store.listUsers()).extracting(UserRecord::email)
                .containsExactly("alice@example.com", "Bob@example.com", "carol@example.com");

        assertThat(store.updateUserPassword(c.id(), "new-hash")).isTrue();
        assertThat(store.userById(c.id()).orElseThrow().passwordHash()).isEqualTo("new-hash");
        assertThat(store.updateUserPassword("usr_missing", "x")).isFalse();
    }

    @Test
    void usersCanBeDisabledAndEnabledAgain() {
        UserRecord u = store.createUser("dave@example.com", "h", "member");
        assertThat(u.disabled()).isFalse();
        assertThat(store.setUserDisabled(u.id(), true)).isTrue();
        assertThat(store.userById(u.id()).orElseThrow().disabled()).isTrue();
        assertThat(store.userByEmail("dave@example.com").orElseThrow().disabled()).isTrue();
        assertThat(store.setUserDisabled(u.id(), true)).as("already disabled").isFalse();
        assertThat(store.setUserDisabled(u.id(), false)).isTrue();
        assertThat(store.userById(u.id()).orElseThrow().disabled()).isFalse();
        assertThat(store.setUserDisabled("usr_missing", true)).isFalse();
    }

    @Test
    void unknownUserRoleIsValidationError() {
        assertKeyway(() -> store.createUser("a@example.com", "h", "admin"), ErrorType.VALIDATION);
        assertThat(store.listUsers()).isEmpty();
    }

    // ---- agents ----

    @Test
    void agentsAreCreatedFoundListedByNameAndRevocable() {
        AgentRecord a = store.createAgent("claude", "github,openai", "alice");
        AgentRecord b = store.createAgent("aider", null, "bob");
        assertThat(a.id()).matches("agt_[a-z2-7]{16}");
        assertThat(a).isEqualTo(new AgentRecord(a.id(), "claude", "github,openai", T0, "alice", false));
        assertThat(store.agentById(a.id())).contains(a);
        assertThat(store.agentByName("aider")).contains(b);
        assertThat(store.agentByName("Claude")).as("names are exact").isEmpty();
        assertThat(store.listAgents()).containsExactly(b, a);

        assertThat(store.setAgentRevoked(a.id(), true)).isTrue();
        assertThat(store.agentById(a.id()).orElseThrow().revoked()).isTrue();
        assertThat(store.setAgentRevoked(a.id(), false)).isTrue();
        assertThat(store.agentById(a.id()).orElseThrow().revoked()).isFalse();
        assertThat(store.setAgentRevoked("agt_missing", true)).isFalse();
    }

    @Test
    void duplicateAgentNameIsConflict() {
        store.createAgent("claude", null, "alice");
        assertKeyway(() -> store.createAgent("claude", "x", "bob"), ErrorType.CONFLICT);
        assertThat(store.listAgents()).hasSize(1);
    }

    @Test
    void deleteAgentRemovesItsGrantsAndTokensOnly() {
        String v1 = vault("one").id();
        String v2 = vault("two").id();
        String bot = store.createAgent("bot", null, "alice").id();
        String other = store.createAgent("other", null, "alice").id();
        store.setGrant(bot, v1, "proxy");
        store.setGrant(bot, v2, "member");
        store.setGrant(other, v1, "proxy");
        store.insertToken(token("bot-global", null, bot));
        store.insertToken(token("bot-bound", v1, bot));
        store.insertToken(token("other", v1, other));
        store.insertToken(token("nobody", null));

        assertThat(store.deleteAgent(bot)).isTrue();

        assertThat(store.agentById(bot)).isEmpty();
        assertThat(store.grantsOf(bot)).isEmpty();
        assertThat(store.tokenById("bot-global")).isEmpty();
        assertThat(store.tokenById("bot-bound")).isEmpty();
        assertThat(store.allGrants()).containsExactly(new GrantRecord(other, v1, "proxy"));
        assertThat(store.listTokens(null)).extracting(TokenRecord::id).containsExactlyInAnyOrder("other", "nobody");
        assertThat(store.agentById(other)).isPresent();
        assertThat(store.deleteAgent(bot)).isFalse();
    }

    // ---- grants ----

    @Test
    void setGrantCreatesOrReplacesTheRoleAndRemoveGrantDeletesIt() {
        String a = vault("a").id();
        String b = vault("b").id();
        String alice = store.createUser("alice@example.com", "h", "owner").id();
        String bot = store.createAgent("bot", null, "alice").id();
        store.setGrant(alice, a, "admin");
        store.setGrant(alice, b, "proxy");
        store.setGrant(bot, a, "proxy");
        store.setGrant(alice, b, "member");

        assertThat(store.grantsOf(alice)).containsExactlyInAnyOrder(
                new GrantRecord(alice, a, "admin"), new GrantRecord(alice, b, "member"));
        assertThat(store.grantsOf(bot)).containsExactly(new GrantRecord(bot, a, "proxy"));
        assertThat(store.grantsOf("nobody")).isEmpty();
        assertThat(store.allGrants()).hasSize(3).contains(new GrantRecord(alice, b, "member"));

        assertThat(store.removeGrant(alice, b)).isTrue();
        assertThat(store.removeGrant(alice, b)).isFalse();
        assertThat(store.grantsOf(alice)).containsExactly(new GrantRecord(alice, a, "admin"));
    }

    @Test
    void setGrantRejectsUnknownRoleAndMissingVault() {
        String a = vault("a").id();
        assertKeyway(() -> store.setGrant("usr_x", a, "owner"), ErrorType.VALIDATION);
        assertKeyway(() -> store.setGrant("usr_x", "vlt_missing", "proxy"), ErrorType.NOT_FOUND);
        assertThat(store.allGrants()).isEmpty();
    }

    @Test
    void deletingAVaultRemovesItsGrantsAndProposals() {
        String a = vault("a").id();
        String b = vault("b").id();
        store.setGrant("usr_x", a, "admin");
        store.setGrant("usr_x", b, "proxy");
        String gone = store.createProposal(proposal(a, "")).id();
        String kept = store.createProposal(proposal(b, "")).id();

        store.deleteVault(a);

        assertThat(store.allGrants()).containsExactly(new GrantRecord("usr_x", b, "proxy"));
        assertThat(store.proposal(gone)).isEmpty();
        assertThat(store.proposal(kept)).isPresent();
        assertThat(store.listProposals(a, null)).isEmpty();
    }

    @Test
    void revokeTokensOfSubjectRevokesOnlyItsLiveTokensAndCountsThem() {
        String v = vault("main").id();
        store.insertToken(token("s1", null, "usr_a"));
        store.insertToken(token("s2", v, "usr_a"));
        store.insertToken(token("s3", null, "usr_a"));
        store.insertToken(token("other", null, "usr_b"));
        store.insertToken(token("none", null));
        store.revokeToken("s3");

        assertThat(store.revokeTokensOfSubject("usr_a")).isEqualTo(2);

        assertThat(store.listTokens(null)).filteredOn(TokenRecord::revoked).extracting(TokenRecord::id)
                .containsExactlyInAnyOrder("s1", "s2", "s3");
        assertThat(store.revokeTokensOfSubject("usr_a")).isZero();
        assertThat(store.revokeTokensOfSubject("usr_nobody")).isZero();
    }

    // ---- proposals ----

    @Test
    void createProposalAssignsAnIdUnlessGivenAndRoundTrips() {
        String v = vault("main").id();
        ProposalRecord in = new ProposalRecord("", v, "pending", "{\"services\":[{\"name\":\"gh\"}]}", null,
                "agent:bot", T0.plusNanos(123_456), T0.plusSeconds(600), null, null, null, "tok_approval",
                "existing-credential-new-host");
        ProposalRecord p = store.createProposal(in);
        assertThat(p.id()).matches("prp_[a-z2-7]{16}");
        assertThat(p.createdAt()).as("milliseconds, like every stored instant").isEqualTo(T0);
        assertThat(p).usingRecursiveComparison().ignoringFields("id", "createdAt").isEqualTo(in);
        assertThat(store.proposal(p.id())).contains(p);

        ProposalRecord named = store.createProposal(proposal(v, "prp_chosen"));
        assertThat(named.id()).isEqualTo("prp_chosen");
        assertThat(store.proposal("prp_chosen")).contains(named);
        assertThat(store.proposal("prp_missing")).isEmpty();
    }

    @Test
    void createProposalRejectsDuplicateIdMissingVaultAndUnknownStatus() {
        String v = vault("main").id();
        store.createProposal(proposal(v, "prp_1"));
        assertKeyway(() -> store.createProposal(proposal(v, "prp_1")), ErrorType.CONFLICT);
        assertKeyway(() -> store.createProposal(proposal("vlt_missing", "")), ErrorType.NOT_FOUND);
        ProposalRecord bad = proposal(v, "");
        assertKeyway(() -> store.createProposal(new ProposalRecord("", v, "open", bad.bodyJson(), null,
                bad.createdBy(), bad.createdAt(), bad.expiresAt(), null, null, null, null, null)), ErrorType.VALIDATION);
        assertThat(store.listProposals(null, null)).hasSize(1);
    }

    @Test
    void listProposalsIsNewestFirstWithOptionalFiltersAndCounts() {
        String a = vault("a").id();
        String b = vault("b").id();
        String p1 = store.createProposal(proposal(a, "")).id();
        clock.advance(Duration.ofMinutes(1));
        String p2 = store.createProposal(proposal(b, "")).id();
        clock.advance(Duration.ofMinutes(1));
        String p3 = store.createProposal(proposal(a, "")).id();
        clock.advance(Duration.ofMinutes(1));
        String p4 = store.createProposal(proposal(a, "")).id();
        store.decideProposal(p3, "pending", "rejected", "bob", "too broad", clock.instant());

        assertThat(store.listProposals(null, null)).extracting(ProposalRecord::id).containsExactly(p4, p3, p2, p1);
        assertThat(store.listProposals(a, null)).extracting(ProposalRecord::id).containsExactly(p4, p3, p1);
        assertThat(store.listProposals(null, "pending")).extracting(ProposalRecord::id).containsExactly(p4, p2, p1);
        assertThat(store.listProposals(a, "pending")).extracting(ProposalRecord::id).containsExactly(p4, p1);
        assertThat(store.listProposals(a, "approved")).isEmpty();
        assertThat(store.listProposals("vlt_missing", null)).isEmpty();
        assertThat(store.countProposals(a, "pending")).isEqualTo(2);
        assertThat(store.countProposals(a, "rejected")).isEqualTo(1);
        assertThat(store.countProposals(b, "rejected")).isZero();
    }

    @Test
    void decideProposalIsACompareAndSetOnTheStatus() {
        String v = vault("main").id();
        ProposalRecord p = store.createProposal(proposal(v, ""));
        Instant at = clock.advance(Duration.ofMinutes(3));

        assertThat(store.decideProposal(p.id(), "pending", "approved", "usr_bob", "ok", at)).isTrue();
        ProposalRecord decided = store.proposal(p.id()).orElseThrow();
        assertThat(decided.status()).isEqualTo("approved");
        assertThat(decided.reviewedBy()).isEqualTo("usr_bob");
        assertThat(decided.reviewedAt()).isEqualTo(at);
        assertThat(decided.reason()).isEqualTo("ok");
        assertThat(decided).usingRecursiveComparison()
                .ignoringFields("status", "reviewedBy", "reviewedAt", "reason").isEqualTo(p);

        assertThat(store.decideProposal(p.id(), "pending", "rejected", "usr_eve", "late", at.plusSeconds(1)))
                .as("lost the race").isFalse();
        assertThat(store.proposal(p.id())).contains(decided);
        assertThat(store.decideProposal("prp_missing", "pending", "approved", null, null, at)).isFalse();
        assertKeyway(() -> store.decideProposal(p.id(), "approved", "done", null, null, at), ErrorType.VALIDATION);
    }

    // ---- webhooks ----

    @Test
    void webhooksAreCreatedListedOldestFirstAndDeleted() {
        WebhookRecord j = store.createWebhook("https://hooks.example/json", "json", "alice");
        clock.advance(Duration.ofSeconds(1));
        WebhookRecord s = store.createWebhook("https://hooks.slack.example/T/B/x", "slack", "bob");
        assertThat(j.id()).matches("whk_[a-z2-7]{16}");
        assertThat(j).isEqualTo(new WebhookRecord(j.id(), "https://hooks.example/json", "json", T0, "alice",
                null, null, 0));
        assertThat(store.listWebhooks()).containsExactly(j, s);

        assertThat(store.deleteWebhook(j.id())).isTrue();
        assertThat(store.deleteWebhook(j.id())).isFalse();
        assertThat(store.listWebhooks()).containsExactly(s);
        assertKeyway(() -> store.createWebhook("https://x.example", "teams", "a"), ErrorType.VALIDATION);
    }

    @Test
    void deliveryFailuresCountUpAndASuccessResetsThem() {
        String id = store.createWebhook("https://hooks.example/json", "json", "alice").id();
        store.recordWebhookDelivery(id, T0.plusSeconds(1), "HTTP 500");
        store.recordWebhookDelivery(id, T0.plusSeconds(2), "connect timed out");
        WebhookRecord failing = store.listWebhooks().getFirst();
        assertThat(failing.failures()).isEqualTo(2);
        assertThat(failing.lastError()).isEqualTo("connect timed out");
        assertThat(failing.lastAttemptAt()).isEqualTo(T0.plusSeconds(2));

        store.recordWebhookDelivery(id, T0.plusSeconds(3), null);
        WebhookRecord ok = store.listWebhooks().getFirst();
        assertThat(ok.failures()).isZero();
        assertThat(ok.lastError()).isNull();
        assertThat(ok.lastAttemptAt()).isEqualTo(T0.plusSeconds(3));

        store.recordWebhookDelivery("whk_deleted", T0, "gone"); // ignored
        assertThat(store.listWebhooks()).containsExactly(ok);
    }

    // ---- atomically ----

    @Test
    void atomicallyCommitsEverythingTheWorkDidAndReturnsItsResult() {
        long rev = store.revision();
        VaultRecord v = store.atomically(s -> {
            VaultRecord created = s.createVault("main", bytes("wk"), "alice");
            s.setGrant("usr_a", created.id(), "admin");
            assertThat(s.vaultByName("main")).as("own writes are visible inside").isPresent();
            return created;
        });
        assertThat(store.vaultById(v.id())).isPresent();
        assertThat(store.grantsOf("usr_a")).containsExactly(new GrantRecord("usr_a", v.id(), "admin"));
        assertThat(store.revision()).isEqualTo(rev + 2);
    }

    @Test
    void atomicallyRollsEverythingBackAndRethrowsTheOriginalException() {
        String existing = vault("existing").id();
        long rev = store.revision();
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> store.atomically(s -> {
            VaultRecord v = s.createVault("main", bytes("wk"), "alice");
            s.setGrant("usr_a", v.id(), "admin");
            s.deleteVault(existing);
            throw boom;
        })).isSameAs(boom);
        assertThat(store.vaultByName("main")).isEmpty();
        assertThat(store.vaultById(existing)).isPresent();
        assertThat(store.allGrants()).isEmpty();
        assertThat(store.revision()).isEqualTo(rev);

        assertKeyway(() -> store.atomically(s -> {
            s.createUser("a@example.com", "h", "owner");
            return s.createUser("A@example.com", "h", "owner");
        }), ErrorType.CONFLICT);
        assertThat(store.listUsers()).isEmpty();
        Optional<VaultRecord> after = store.atomically(s -> s.vaultById(existing));
        assertThat(after).as("store still usable").isPresent();
    }

    @Test
    void nestedAtomicallyJoinsTheOuterTransaction() {
        store.atomically(outer -> {
            outer.createVault("a", bytes("k"), "x");
            return outer.atomically(inner -> inner.createVault("b", bytes("k"), "x"));
        });
        assertThat(store.listVaults()).extracting(VaultRecord::name).containsExactly("a", "b");

        assertThatThrownBy(() -> store.atomically(outer -> {
            outer.createVault("c", bytes("k"), "x");
            outer.atomically(inner -> inner.createVault("d", bytes("k"), "x"));
            throw new IllegalStateException("outer fails after inner succeeded");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(store.listVaults()).extracting(VaultRecord::name).containsExactly("a", "b");
    }

    @Test
    void failedCallInsideAtomicallyUndoesOnlyItselfWhenTheWorkCatchesIt() {
        String id = vault("main").id();
        store.putService(id, "a", "{}", true, "alice");
        store.putService(id, "b", "{}", true, "alice");
        List<ServiceRecord> before = store.listServices(id);
        store.atomically(s -> {
            s.createAgent("bot", null, "alice");
            // fails after deleting b and rewriting a: its own changes must vanish, the agent must not
            assertThatThrownBy(() -> s.replaceServices(id, List.of(new ServiceSpec("a", "{\"x\":1}", true),
                    nullSpec("broken")), "bob")).isInstanceOf(RuntimeException.class);
            assertThatThrownBy(() -> s.atomically(inner -> {
                inner.createAgent("inner", null, "alice");
                throw new IllegalStateException("inner fails");
            })).isInstanceOf(IllegalStateException.class);
            return s.createAgent("bot2", null, "alice");
        });
        assertThat(store.listServices(id)).usingRecursiveFieldByFieldElementComparator().isEqualTo(before);
        assertThat(store.listAgents()).extracting(AgentRecord::name).containsExactly("bot", "bot2");
    }

    // ---- AWS grants ----

    protected AwsGrantRecord awsGrant(String vaultId, String name, String mode, List<String> hosts) {
        return new AwsGrantRecord("", vaultId, name, "arn:aws:iam::123456789012:role/Agent", "us-east-1", 3600, "ext-1",
                "{\"Version\":\"2012-10-17\"}", mode, hosts, true, "AWS_HOST", T0, "alice");
    }

    @Test
    void awsGrantRoundTripsEveryFieldAndIsScopedPerVault() {
        String a = vault("a").id();
        String b = vault("b").id();
        clock.advance(Duration.ofSeconds(5));
        AwsGrantRecord put = store.putAwsGrant(awsGrant(a, "aws", "sign", List.of("*.amazonaws.com", "minio.local:9000")));
        assertThat(put.id()).startsWith("awg_");
        assertThat(put.createdAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(store.awsGrant(a, "aws")).contains(put);
        assertThat(store.awsGrant(b, "aws")).isEmpty();
        AwsGrantRecord minimal = store.putAwsGrant(new AwsGrantRecord("", a, "cp", "arn:aws:iam::123456789012:role/R", "eu-west-1",
                900, null, null, "credential-process", List.of(), false, null, T0, "bob"));
        assertThat(store.awsGrant(a, "cp")).contains(minimal);
        assertThat(minimal.hosts()).isEmpty();
        assertThat(minimal.externalId()).isNull();
        assertThat(store.listAwsGrants(a)).extracting(AwsGrantRecord::name).containsExactly("aws", "cp");
        assertThat(store.listAwsGrants(b)).isEmpty();
        assertThat(store.listAwsGrants("vlt_missing")).isEmpty();
    }

    @Test
    void putAwsGrantReplacesTheConfigurationKeepingIdAndCreation() {
        String a = vault("a").id();
        AwsGrantRecord first = store.putAwsGrant(awsGrant(a, "aws", "credential-process", List.of()));
        clock.advance(Duration.ofMinutes(1));
        AwsGrantRecord second = store.putAwsGrant(new AwsGrantRecord("ignored", a, "aws", "arn:aws:iam::210987654321:role/Other",
                "eu-west-1", 7200, null, null, "sign", List.of("*.api.aws"), false, null, T0, "bob"));
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.createdAt()).isEqualTo(first.createdAt());
        assertThat(second.createdBy()).isEqualTo("alice");
        assertThat(store.awsGrant(a, "aws")).contains(second);
        assertThat(second.roleArn()).endsWith("role/Other");
        assertThat(second.hosts()).containsExactly("*.api.aws");
    }

    @Test
    void awsGrantWritesBumpRevisionAndDeleteReportsMissing() {
        String a = vault("a").id();
        assertBumps("putAwsGrant", () -> store.putAwsGrant(awsGrant(a, "aws", "sign", List.of())));
        assertBumps("putAwsGrant update", () -> store.putAwsGrant(awsGrant(a, "aws", "credential-process", List.of())));
        assertBumps("deleteAwsGrant", () -> assertThat(store.deleteAwsGrant(a, "aws")).isTrue());
        assertNoBump("deleteAwsGrant of a missing grant", () -> assertThat(store.deleteAwsGrant(a, "aws")).isFalse());
        assertThat(store.awsGrant(a, "aws")).isEmpty();
    }

    @Test
    void awsGrantValidationAndCascade() {
        String a = vault("a").id();
        assertKeyway(() -> store.putAwsGrant(awsGrant("vlt_missing", "aws", "sign", List.of())), ErrorType.NOT_FOUND);
        assertKeyway(() -> store.putAwsGrant(awsGrant(a, "aws", "proxy", List.of())), ErrorType.VALIDATION);
        assertKeyway(() -> store.putAwsGrant(awsGrant(a, "aws", "sign", List.of("a\nb"))), ErrorType.VALIDATION);
        store.putAwsGrant(awsGrant(a, "aws", "sign", List.of()));
        assertThat(store.deleteVault(a)).isTrue();
        assertThat(store.listAwsGrants(a)).isEmpty();
        store.putAwsGrant(awsGrant(vault("a").id(), "aws", "sign", List.of()));
    }

    @Test
    void githubRunScopeIsBoundToItsTokenOnceAndGoesWithTheVault() {
        String a = vault("a").id();
        store.insertToken(token("t1", a));
        store.insertToken(token("t2", a));
        GitHubRunScopeRecord s1 = new GitHubRunScopeRecord("t1", "[\"octo/a\"]", "{\"contents\":\"read\"}", T0);
        assertBumps("putGitHubRunScope", () -> store.putGitHubRunScope(s1));
        assertThat(store.githubRunScope("t1")).contains(s1);
        assertThat(store.githubRunScope("t2")).isEmpty();
        GitHubRunScopeRecord s2 = new GitHubRunScopeRecord("t2", null, "{\"issues\":\"write\"}", T0.plusSeconds(1));
        store.putGitHubRunScope(s2);
        assertThat(store.listGitHubRunScopes()).containsExactly(s1, s2);
        assertThatThrownBy(() -> store.putGitHubRunScope(new GitHubRunScopeRecord("t1", null, "{}", T0)))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.CONFLICT));
        assertThat(store.githubRunScope("t1")).as("set once: never replaced (widened)").contains(s1);
        assertThatThrownBy(() -> store.putGitHubRunScope(new GitHubRunScopeRecord("t_missing", null, null, T0)))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.NOT_FOUND));
        store.deleteVault(a);
        assertThat(store.listGitHubRunScopes()).as("goes with the token").isEmpty();
    }

    @Test
    void vaultMintedTokensAreRecordedPerSourceOnceAndForgottenWhenRevoked() {
        VaultMintedTokenRecord t1 = new VaultMintedTokenRecord("kv", "acc-1", "service", "token-keyway-kv", "app", 3600L, T0);
        VaultMintedTokenRecord t2 = new VaultMintedTokenRecord("kv", "acc-2", "service", "token-keyway-kv", "app", null,
                T0.plusSeconds(1));
        store.addVaultMintedToken(t1);
        store.addVaultMintedToken(t1); // idempotent
        store.addVaultMintedToken(t2);
        store.addVaultMintedToken(new VaultMintedTokenRecord("other", "acc-1", "service", "token-keyway-other", "", null, T0));
        assertThat(store.listVaultMintedTokens("kv")).containsExactly(t1, t2);
        assertThat(store.deleteVaultMintedToken("kv", "acc-1")).isTrue();
        assertThat(store.deleteVaultMintedToken("kv", "acc-1")).isFalse();
        assertThat(store.listVaultMintedTokens("kv")).containsExactly(t2);
        assertThat(store.listVaultMintedTokens("other")).extracting(VaultMintedTokenRecord::accessor).containsExactly("acc-1");
        assertThat(store.listVaultMintedTokens("none")).isEmpty();
    }

    @Test
    void awsRunScopeIsBoundToItsTokenOnceAndGoesWithTheVault() {
        String a = vault("a").id();
        store.insertToken(token("t1", a));
        store.insertToken(token("t2", a));
        AwsRunScopeRecord s1 = new AwsRunScopeRecord("t1", "aws", "{\"Statement\":[]}", "{\"team\":\"x\"}", T0);
        assertBumps("putAwsRunScope", () -> store.putAwsRunScope(s1));
        assertThat(store.awsRunScope("t1")).contains(s1);
        assertThat(store.awsRunScope("t2")).isEmpty();
        AwsRunScopeRecord s2 = new AwsRunScopeRecord("t2", "aws2", null, null, T0.plusSeconds(1));
        store.putAwsRunScope(s2);
        assertThat(store.awsRunScope("t2")).contains(s2);
        assertThat(store.listAwsRunScopes()).containsExactly(s1, s2);
        assertThatThrownBy(() -> store.putAwsRunScope(new AwsRunScopeRecord("t1", "aws", null, "{}", T0)))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.CONFLICT));
        assertThat(store.awsRunScope("t1")).as("set once: never replaced").contains(s1);
        assertThatThrownBy(() -> store.putAwsRunScope(new AwsRunScopeRecord("t_missing", "aws", null, null, T0)))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.NOT_FOUND));
        store.deleteVault(a);
        assertThat(store.listAwsRunScopes()).isEmpty();
    }

    // ---- rate limits ----

    protected LimitRecord limit(String vaultId, @Nullable String service, @Nullable String agentId, @Nullable String tokenId,
            @Nullable String credential, long requests, Duration per) {
        return new LimitRecord("", vaultId, service, agentId, tokenId, credential,
                new dev.keyway.core.limit.RateLimit(requests, per), T0, "alice");
    }

    @Test
    void limitRoundTripsAndOneScopeHasOneLimit() {
        String a = vault("a").id();
        String b = vault("b").id();
        String agent = store.createAgent("bot", null, "alice").id();
        clock.advance(Duration.ofSeconds(5));
        LimitRecord vaultWide = store.putLimit(limit(a, null, null, null, null, 100, Duration.ofMinutes(1)));
        assertThat(vaultWide.id()).startsWith("lim_");
        assertThat(vaultWide.createdAt()).isEqualTo(T0.plusSeconds(5));
        clock.advance(Duration.ofSeconds(1)); // lists are oldest first (ties in creation time by id)
        LimitRecord narrow = store.putLimit(limit(a, "github", agent, null, "GITHUB_TOKEN", 5, Duration.ofSeconds(10)));
        assertThat(store.limit(narrow.id())).contains(narrow);
        assertThat(store.listLimits(a)).containsExactly(vaultWide, narrow);
        assertThat(store.listLimits(b)).isEmpty();
        assertThat(store.listLimits(null)).containsExactly(vaultWide, narrow);

        clock.advance(Duration.ofSeconds(5));
        LimitRecord replaced = store.putLimit(limit(a, "github", agent, null, "GITHUB_TOKEN", 7, Duration.ofSeconds(30)));
        assertThat(replaced.id()).isEqualTo(narrow.id());
        assertThat(replaced.createdAt()).isEqualTo(narrow.createdAt());
        assertThat(replaced.rate()).isEqualTo(new dev.keyway.core.limit.RateLimit(7, Duration.ofSeconds(30)));
        assertThat(store.limit(narrow.id())).contains(replaced);
        // the same narrowing in another vault is another limit
        assertThat(store.putLimit(limit(b, "github", agent, null, "GITHUB_TOKEN", 7, Duration.ofSeconds(30))).id())
                .isNotEqualTo(narrow.id());
    }

    @Test
    void limitWritesBumpRevisionValidationAndCascade() {
        String a = vault("a").id();
        String agent = store.createAgent("bot", null, "alice").id();
        store.insertToken(token("tok-1", a));
        LimitRecord[] l = new LimitRecord[1];
        assertBumps("putLimit", () -> l[0] = store.putLimit(limit(a, null, agent, null, null, 1, Duration.ofSeconds(1))));
        assertBumps("putLimit update", () -> store.putLimit(limit(a, null, agent, null, null, 2, Duration.ofSeconds(1))));
        assertNoBump("leaseLimitTokens", () -> assertThat(store.leaseLimitTokens(l[0].id(), 1)).isPresent());
        assertBumps("deleteLimit", () -> assertThat(store.deleteLimit(l[0].id())).isTrue());
        assertNoBump("deleteLimit of a missing limit", () -> assertThat(store.deleteLimit(l[0].id())).isFalse());
        assertThat(store.leaseLimitTokens(l[0].id(), 1)).isEmpty();

        assertKeyway(() -> store.putLimit(limit("vlt_missing", null, null, null, null, 1, Duration.ofSeconds(1))), ErrorType.NOT_FOUND);
        assertKeyway(() -> store.putLimit(limit(a, null, "agt_missing", null, null, 1, Duration.ofSeconds(1))), ErrorType.NOT_FOUND);
        assertKeyway(() -> store.putLimit(limit(a, null, null, "tok-missing", null, 1, Duration.ofSeconds(1))), ErrorType.NOT_FOUND);
        assertKeyway(() -> store.putLimit(limit(a, null, agent, "tok-1", null, 1, Duration.ofSeconds(1))), ErrorType.VALIDATION);

        store.putLimit(limit(a, null, agent, null, null, 1, Duration.ofSeconds(1)));
        store.putLimit(limit(a, null, null, "tok-1", null, 1, Duration.ofSeconds(1)));
        store.putLimit(limit(a, "github", null, null, null, 1, Duration.ofSeconds(1)));
        assertThat(store.deleteAgent(agent)).isTrue();
        assertThat(store.listLimits(a)).extracting(LimitRecord::tokenId).containsExactlyInAnyOrder("tok-1", null);
        assertThat(store.deleteVault(a)).isTrue();
        assertThat(store.listLimits(null)).isEmpty();
    }

    @Test
    void leaseTakesFromTheSharedBucketAndReportsTheWait() {
        String a = vault("a").id();
        // 10 per minute: one token refills every 6 s
        LimitRecord l = store.putLimit(limit(a, null, null, null, null, 10, Duration.ofMinutes(1)));
        assertThat(store.leaseLimitTokens(l.id(), 4)).contains(new LimitRecord.Lease(4, 0));
        assertThat(store.leaseLimitTokens(l.id(), 4)).contains(new LimitRecord.Lease(4, 0));
        assertThat(store.leaseLimitTokens(l.id(), 4)).contains(new LimitRecord.Lease(2, 6000));
        assertThat(store.leaseLimitTokens(l.id(), 1)).contains(new LimitRecord.Lease(0, 6000));
        clock.advance(Duration.ofSeconds(4));
        assertThat(store.leaseLimitTokens(l.id(), 1)).contains(new LimitRecord.Lease(0, 2000));
        clock.advance(Duration.ofSeconds(2));
        assertThat(store.leaseLimitTokens(l.id(), 3)).contains(new LimitRecord.Lease(1, 6000));
        // setting the limit again starts a full bucket at the new rate
        store.putLimit(limit(a, null, null, null, null, 3, Duration.ofMinutes(1)));
        assertThat(store.leaseLimitTokens(l.id(), 5)).contains(new LimitRecord.Lease(3, 20000));
    }

    /** Two stores on one database are two cluster nodes: together they never lease more than the bucket holds. */
    @Test
    void twoNodesLeasingConcurrentlyNeverTakeMoreThanTheBucket() throws Exception {
        String a = vault("a").id();
        LimitRecord l = store.putLimit(limit(a, null, null, null, null, 500, Duration.ofDays(31)));
        try (Store other = openSameDatabase(dir, clock)) {
            List<Store> nodes = List.of(store, other);
            java.util.concurrent.atomic.AtomicLong granted = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    Store node = nodes.get(t % 2);
                    int want = 1 + t % 3;
                    fs.add(pool.submit(() -> {
                        int emptyInARow = 0;
                        while (emptyInARow < 3) { // a CAS that lost every attempt also returns 0: ask again
                            long g = node.leaseLimitTokens(l.id(), want).orElseThrow().granted();
                            granted.addAndGet(g);
                            emptyInARow = g == 0 ? emptyInARow + 1 : 0;
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : fs) {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(granted.get()).isEqualTo(500);
            assertThat(other.leaseLimitTokens(l.id(), 1)).contains(new LimitRecord.Lease(0, 5356800));
        }
    }

    // ---- approvals ----

    private ApprovalRecord approval(String vaultId, String method, String path) {
        return ApprovalRecord.pending("", vaultId, "t1", "agent:bot", "github", method, "api.github.com", path, 12,
                "node-a", clock.instant(), clock.instant().plusSeconds(120));
    }

    @Test
    void approvalIsCreatedPendingListedAndDecidedExactlyOnce() {
        String a = vault("a").id();
        String b = vault("b").id();
        long rev = store.revision();
        ApprovalRecord p = store.createApproval(approval(a, "POST", "/repos/x/issues"));
        assertThat(p.id()).startsWith("apr_");
        assertThat(p.state()).isEqualTo(ApprovalState.PENDING);
        assertThat(store.approval(p.id())).contains(p);
        clock.advance(Duration.ofSeconds(1));
        ApprovalRecord q = store.createApproval(approval(b, "DELETE", "/repos/x"));
        assertThat(store.revision()).as("approvals bump no revision: no snapshot depends on them").isEqualTo(rev);
        assertThat(store.listApprovals(null, null, 10)).containsExactly(q, p);
        assertThat(store.listApprovals(a, ApprovalState.PENDING, 10)).containsExactly(p);
        assertThat(store.listApprovals(null, null, 1)).containsExactly(q);

        assertThat(store.decideApproval(p.id(), ApprovalState.DENIED, "user:bob", "not today", null, T0)).isTrue();
        long decidedRev = store.revision();
        assertThat(decidedRev).as("a decision is in the change log: the holding node may be another one").isEqualTo(rev + 1);
        assertThat(store.decideApproval(p.id(), ApprovalState.APPROVED, "user:eve", null, null, T0))
                .as("compare-and-set: a decided approval stays decided").isFalse();
        assertThat(store.decideApproval(p.id(), ApprovalState.TIMED_OUT, "proxy", null, null, T0)).isFalse();
        assertThat(store.revision()).as("a lost compare-and-set changes nothing").isEqualTo(decidedRev);
        ApprovalRecord denied = store.approval(p.id()).orElseThrow();
        assertThat(denied.state()).isEqualTo(ApprovalState.DENIED);
        assertThat(denied.decidedBy()).isEqualTo("user:bob");
        assertThat(denied.reason()).isEqualTo("not today");
        assertThat(denied.decidedAt()).isEqualTo(T0);
        assertThat(store.listApprovals(null, ApprovalState.PENDING, 10)).containsExactly(q);
        assertThat(store.decideApproval("apr_missing", ApprovalState.APPROVED, "user:bob", null, null, T0)).isFalse();
        assertThatThrownBy(() -> store.decideApproval(q.id(), ApprovalState.PENDING, "x", null, null, T0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.decideApproval(q.id(), ApprovalState.DENIED, "x", null, T0, T0))
                .isInstanceOf(IllegalArgumentException.class);
        assertKeyway(() -> store.createApproval(approval("vlt_missing", "GET", "/")), ErrorType.NOT_FOUND);
        store.deleteVault(b);
        assertThat(store.approval(q.id())).as("approvals go with their vault").isEmpty();
    }

    @Test
    void standingApprovalMatchesTheExactRequestUntilItLapses() {
        String a = vault("a").id();
        ApprovalRecord p = store.createApproval(approval(a, "POST", "/repos/x/issues"));
        assertThat(store.standingApproval("t1", "github", "POST", "/repos/x/issues", T0)).isEmpty();
        Instant until = T0.plus(Duration.ofMinutes(15));
        assertThat(store.decideApproval(p.id(), ApprovalState.APPROVED, "user:bob", null, until, T0)).isTrue();
        assertThat(store.standingApproval("t1", "github", "POST", "/repos/x/issues", T0.plusSeconds(60)))
                .map(ApprovalRecord::id).contains(p.id());
        assertThat(store.standingApproval("t2", "github", "POST", "/repos/x/issues", T0)).as("other token").isEmpty();
        assertThat(store.standingApproval("t1", "github", "DELETE", "/repos/x/issues", T0)).as("other method").isEmpty();
        assertThat(store.standingApproval("t1", "github", "POST", "/repos/y/issues", T0)).as("other path").isEmpty();
        assertThat(store.standingApproval("t1", "gitlab", "POST", "/repos/x/issues", T0)).as("other service").isEmpty();
        assertThat(store.standingApproval("t1", "github", "POST", "/repos/x/issues", until)).as("lapsed").isEmpty();
        ApprovalRecord once = store.createApproval(approval(a, "POST", "/once"));
        store.decideApproval(once.id(), ApprovalState.APPROVED, "user:bob", null, null, T0);
        assertThat(store.standingApproval("t1", "github", "POST", "/once", T0)).as("approved once only").isEmpty();
    }

    // ---- sign-in throttle (issue 11) ----

    @Test
    void throttleGrantsTheBurstThenOnePerIntervalAndTakesRefundsBack() {
        dev.keyway.core.limit.RateLimit r = new dev.keyway.core.limit.RateLimit(3, Duration.ofSeconds(18)); // then one per 6 s
        long rev = store.revision();
        assertThat(store.takeThrottleAttempt("login:10.0.0.1", r)).isZero();
        assertThat(store.takeThrottleAttempt("login:10.0.0.1", r)).isZero();
        assertThat(store.takeThrottleAttempt("login:10.0.0.1", r)).isZero();
        assertThat(store.takeThrottleAttempt("login:10.0.0.1", r)).isEqualTo(6000);
        assertThat(store.takeThrottleAttempt("login:10.0.0.2", r)).as("another client has its own bucket").isZero();
        assertThat(store.takeThrottleAttempt("setup:10.0.0.1", r)).as("another purpose has its own bucket").isZero();
        clock.advance(Duration.ofSeconds(2));
        assertThat(store.takeThrottleAttempt("login:10.0.0.1", r)).isEqualTo(4000);
        store.refundThrottleAttempt("login:10.0.0.1", r); // a sign-in that succeeded does not count
        assertThat(store.takeThrottleAttempt("login:10.0.0.1", r)).isZero();
        assertThat(store.takeThrottleAttempt("login:10.0.0.1", r)).isEqualTo(4000);
        clock.advance(Duration.ofSeconds(4));
        assertThat(store.takeThrottleAttempt("login:10.0.0.1", r)).isZero();
        store.refundThrottleAttempt("login:never-seen", r); // nothing to give back to: no row appears
        assertThat(store.revision()).as("throttling is not a change any node must apply").isEqualTo(rev);
        assertThat(store.throttleBuckets()).isEqualTo(3);
    }

    /** A bucket untouched for its whole window is full again, so its row goes: the table holds the last window's clients only. */
    @Test
    void throttleBucketsExpireSoTheTableStaysBounded() {
        dev.keyway.core.limit.RateLimit r = new dev.keyway.core.limit.RateLimit(2, Duration.ofSeconds(10));
        for (int i = 0; i < 50; i++) {
            store.takeThrottleAttempt("login:10.0.1." + i, r);
        }
        store.takeThrottleAttempt("login:10.0.1.0", r);
        assertThat(store.takeThrottleAttempt("login:10.0.1.0", r)).isPositive();
        assertThat(store.throttleBuckets()).isEqualTo(50);
        clock.advance(Duration.ofSeconds(9));
        store.takeThrottleAttempt("login:10.0.2.1", r);
        assertThat(store.throttleBuckets()).as("nothing expired yet").isEqualTo(51);
        clock.advance(Duration.ofSeconds(1));
        store.takeThrottleAttempt("login:10.0.2.2", r);
        assertThat(store.throttleBuckets()).as("the 50 first buckets are full again and gone").isEqualTo(2);
        assertThat(store.takeThrottleAttempt("login:10.0.1.0", r)).as("an expired bucket starts full").isZero();
    }

    /** Two stores on one database are two cluster nodes: attempts spread over both share one budget, never more. */
    @Test
    void twoNodesTakingConcurrentlyShareOneThrottleBudget() throws Exception {
        dev.keyway.core.limit.RateLimit r = new dev.keyway.core.limit.RateLimit(10, Duration.ofMinutes(1));
        try (Store other = openSameDatabase(dir, clock)) {
            List<Store> nodes = List.of(store, other);
            AtomicInteger granted = new AtomicInteger();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    Store node = nodes.get(t % 2);
                    fs.add(pool.submit(() -> {
                        for (int i = 0; i < 10; i++) {
                            if (node.takeThrottleAttempt("login:203.0.113.9", r) == 0) {
                                granted.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : fs) {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(granted.get()).isEqualTo(10);
            assertThat(other.takeThrottleAttempt("login:203.0.113.9", r)).isEqualTo(6000);
        }
    }
}
