package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.source.SourceFailure;
import dev.keyway.core.testing.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Vault token-file upkeep with {@code token keep}'s drift guard, against {@link FakeVault}
 * (Vault's "Token auth method (API)": lookup-self, renew-self, create-orphan, revoke-accessor,
 * revoke-self): a healthy token is renewed; a file clobbered by an admin-capable token is healed
 * with that token's authority (new orphan periodic token, checked, file replaced atomically with
 * its mode, stale Keyway-minted token swept) and the foreign token is never used or renewed; a weak
 * clobber fails loud with the recovery command and the file untouched.
 */
class VaultTokenFileTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock();
    final FakeVault vault = VaultKvSourceTest.newVault();
    final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        vault.close();
    }

    VaultKvSource source(Path file, List<String> policies, Duration period) {
        return new VaultKvSource("v", URI.create(vault.url()), null, null, 2, new VaultKvSource.TokenFile(file, policies, period), clock,
                log::add);
    }

    Path tokenFile(String token, String mode) throws Exception {
        Path f = dir.resolve("vault-token");
        Files.writeString(f, token + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    /** Overwrites the file as {@code vault login} does, making sure the change is seen even within one mtime tick. */
    static void clobber(Path f, String token) throws Exception {
        Files.writeString(f, token + "\n");
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    }

    static String read(Path f) throws Exception {
        return Files.readString(f, StandardCharsets.UTF_8).strip();
    }

    boolean used(String token, String pathPrefix) {
        return vault.seen().stream().anyMatch(s -> s.token().equals(token) && s.target().startsWith(pathPrefix));
    }

    @Test
    void ourTokenIsRenewedAtHalfItsTtlAndTheFileIsLeftAlone() throws Exception {
        vault.addToken("hvs.ours", 3600, "acc-ours", List.of("default", "kv-read"), 3600, "token-keyway-v");
        vault.putV2("secret/app", Map.of("k", "v"));
        Path f = tokenFile("hvs.ours", "rw-------");
        VaultKvSource s = source(f, List.of("kv-read"), Duration.ofHours(1));
        assertThat(new String(s.fetch("secret/app#k").value(), StandardCharsets.UTF_8)).isEqualTo("v");
        clock.advance(Duration.ofMinutes(30));
        s.fetch("secret/app#k");
        assertThat(vault.renewals).hasValue(1);
        assertThat(used("hvs.ours", "/v1/auth/token/renew-self")).isTrue();
        assertThat(vault.created).hasValue(0);
        assertThat(read(f)).isEqualTo("hvs.ours");
        assertThat(log).isEmpty();
    }

    @Test
    void anAdminCapableClobberIsHealedWithItsAuthorityAndTheStaleKeywayTokenIsSwept() throws Exception {
        // the file holds a token Keyway minted earlier (its display name says so); nothing pinned: its policies and period are ours
        vault.addToken("hvs.keyway-old", 3600, "acc-keyway-old", List.of("default", "kv-read"), 3600, "token-keyway-v");
        vault.addToken("hvs.root", 0, "acc-root", List.of("root"), 0, "root");
        vault.putV2("secret/app", Map.of("k", "v"));
        Path f = tokenFile("hvs.keyway-old", "rw-r-----"); // a group-readable file keeps its mode
        Object inodeBefore = Files.readAttributes(f, BasicFileAttributes.class).fileKey();
        VaultKvSource s = new VaultKvSource("v", URI.create(vault.url()), null, null, 2, new VaultKvSource.TokenFile(f), clock, log::add);
        s.fetch("secret/app#k");

        clobber(f, "hvs.root"); // an admin ran `vault login` as root on the box
        assertThat(new String(s.fetch("secret/app#k").value(), StandardCharsets.UTF_8)).isEqualTo("v");

        String healed = read(f);
        assertThat(healed).startsWith("hvs.minted-");
        assertThat(vault.created).hasValue(1);
        FakeVault.TokenInfo minted = vault.info.get(healed);
        assertThat(minted.policies()).containsExactly("default", "kv-read");
        assertThat(minted.period()).isEqualTo(3600);
        assertThat(minted.displayName()).isEqualTo("token-keyway-v");
        assertThat(used("hvs.root", "/v1/auth/token/create-orphan")).isTrue();
        assertThat(used("hvs.root", "/v1/secret/")).as("the foreign token never reads a secret").isFalse();
        assertThat(used("hvs.root", "/v1/auth/token/renew-self")).as("nor is it renewed").isFalse();
        assertThat(vault.seen().getLast().token()).isEqualTo(healed);
        assertThat(vault.revokedAccessors).containsExactly("acc-keyway-old");
        assertThat(vault.tokens).doesNotContainKey("hvs.keyway-old").containsKey("hvs.root");
        // replaced by a rename (a new inode), never rewritten in place, with the old mode
        assertThat(Files.readAttributes(f, BasicFileAttributes.class).fileKey()).isNotEqualTo(inodeBefore);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("vault-token");
        }
        assertThat(log).singleElement().satisfies(l -> assertThat(l).startsWith("HEALED: Vault source v: ")
                .contains("accessor acc-root").contains("policies 'root'").contains("revoked 1 stale")
                .doesNotContain("hvs.root").doesNotContain(healed));

        // the healed token is now ours: renewed, not healed again
        clock.advance(Duration.ofMinutes(30));
        s.fetch("secret/app#k");
        assertThat(used(healed, "/v1/auth/token/renew-self")).isTrue();
        assertThat(vault.created).hasValue(1);
    }

    /**
     * Issue 10: the accessors of the tokens Keyway mints are kept in the store, so after a restart
     * (a new source instance on the same store, which never saw the earlier token) the next heal's
     * sweep still revokes the stale token minted before it (S203). With the accessors kept in
     * memory only, this sweep revoked 0.
     */
    @Test
    void aSweepAfterARestartRevokesTheStaleTokenMintedBeforeTheRestart() throws Exception {
        Files.createDirectories(dir.resolve("db"));
        try (dev.keyway.store.sqlite.SqliteStore store = dev.keyway.store.sqlite.SqliteStore.open(dir.resolve("db/k.db"), clock)) {
            VaultMintedTokens kept = VaultMintedTokens.of(store, clock);
            vault.addToken("hvs.op", 3600, "acc-op", List.of("default", "kv-read"), 3600, "token-ops"); // made by an operator
            vault.addToken("hvs.root", 0, "acc-root", List.of("root"), 0, "root");
            vault.putV2("secret/app", Map.of("k", "v"));
            Path f = tokenFile("hvs.op", "rw-------");
            VaultKvSource before = new VaultKvSource("v", URI.create(vault.url()), null, null, 2,
                    new VaultKvSource.TokenFile(f, List.of("kv-read"), Duration.ofHours(1)), clock, log::add, kept);
            before.fetch("secret/app#k");
            clobber(f, "hvs.root");
            before.fetch("secret/app#k");
            String first = read(f);
            String firstAccessor = vault.info.get(first).accessor();
            assertThat(vault.revokedAccessors).as("the operator's token is not Keyway's to sweep").isEmpty();
            assertThat(store.listVaultMintedTokens("v")).extracting(dev.keyway.store.VaultMintedTokenRecord::accessor)
                    .containsExactly(firstAccessor);

            // restart: a new instance that never read the file; root clobbers it again before its first fetch
            VaultKvSource after = new VaultKvSource("v", URI.create(vault.url()), null, null, 2,
                    new VaultKvSource.TokenFile(f, List.of("kv-read"), Duration.ofHours(1)), clock, log::add, kept);
            clobber(f, "hvs.root");
            assertThat(new String(after.fetch("secret/app#k").value(), StandardCharsets.UTF_8)).isEqualTo("v");
            String second = read(f);
            assertThat(second).isNotEqualTo(first).startsWith("hvs.minted-");
            assertThat(vault.revokedAccessors).containsExactly(firstAccessor);
            assertThat(vault.tokens).doesNotContainKey(first).containsKey(second);
            assertThat(log.getLast()).startsWith("HEALED: Vault source v: ").contains("revoked 1 stale");
            assertThat(store.listVaultMintedTokens("v")).extracting(dev.keyway.store.VaultMintedTokenRecord::accessor)
                    .as("the revoked one is forgotten, the new one kept").containsExactly(vault.info.get(second).accessor());
            assertThat(String.join("\n", log)).doesNotContain(first).doesNotContain(second).doesNotContain("hvs.root");
        }
    }

    @Test
    void aWeakClobberFailsLoudWithTheRecoveryCommandAndLeavesTheFileUntouched() throws Exception {
        vault.addToken("hvs.ours", 3600, "acc-ours", List.of("default", "kv-read"), 3600, "token-keyway-v");
        vault.addToken("hvs.alice", 2764800, "acc-alice", List.of("default", "dev"), 0, "userpass-alice");
        vault.putV2("secret/app", Map.of("k", "v"));
        Path f = tokenFile("hvs.ours", "rw-------");
        VaultKvSource s = source(f, List.of("kv-read"), Duration.ofHours(1));
        s.fetch("secret/app#k");

        clobber(f, "hvs.alice"); // a developer's own `vault login`: no right to create tokens
        assertThatThrownBy(() -> s.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class, e -> {
            assertThat(e.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(e.getMessage()).startsWith("CLOBBERED: " + f + " holds a foreign token (accessor acc-alice; policies 'dev', not periodic)")
                    .contains("HTTP 403").contains("permission denied").contains("left untouched")
                    .contains("Recover with: VAULT_ADDR=" + vault.url() + " vault token create -orphan -policy=kv-read -period=3600s"
                            + " -display-name=keyway-v -field=token > " + f)
                    .doesNotContain("hvs.alice");
        });
        assertThat(read(f)).isEqualTo("hvs.alice");
        assertThat(used("hvs.alice", "/v1/secret/")).isFalse();
        assertThat(used("hvs.alice", "/v1/auth/token/renew-self")).isFalse();
        assertThat(log).singleElement().satisfies(l -> assertThat(l).startsWith("FAILED: Vault source v: CLOBBERED"));

        // fails loud at every fetch without asking Vault again until the file changes
        int calls = vault.seen().size();
        assertThatThrownBy(() -> s.fetch("secret/app#k")).hasMessageStartingWith("CLOBBERED");
        assertThat(vault.seen()).hasSize(calls);

        clobber(f, "hvs.ours"); // the operator puts Keyway's token back
        assertThat(new String(s.fetch("secret/app#k").value(), StandardCharsets.UTF_8)).isEqualTo("v");
    }

    @Test
    void anInvalidTokenInTheFileFailsLoudAndIsNeverUsedForAHeal() throws Exception {
        vault.putV2("secret/app", Map.of("k", "v"));
        Path f = tokenFile("hvs.revoked", "rw-------");
        VaultKvSource s = source(f, List.of("kv-read"), Duration.ofHours(1));
        assertThatThrownBy(() -> s.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class, e -> {
            assertThat(e.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(e.getMessage()).contains("is not valid (Vault: HTTP 403 (permission denied))").contains("Recover with:");
        });
        assertThat(vault.created).hasValue(0);
    }
}
