package dev.keyway.server.source;

import dev.keyway.core.keep.TokenIdentity;
import dev.keyway.store.Store;
import dev.keyway.store.VaultMintedTokenRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Where a {@code hashicorp-vault} source's token-file keeper ({@link VaultTokenFile}) remembers the
 * tokens it minted while healing, by accessor, so the sweep of stale ones also reaches those minted
 * before a restart (or by another cluster node): listing accessors needs sudo on Vault, which
 * Keyway's own token does not have, so Keyway must remember them itself. Accessors are not secrets
 * (they cannot authenticate), so they are stored in the clear ({@code vault_minted_tokens}).
 */
public interface VaultMintedTokens {
    /** Only in memory: a restart forgets them (tests, and sources opened without a store). */
    VaultMintedTokens NONE = new VaultMintedTokens() {
        @Override
        public List<TokenIdentity> load(String source) {
            return List.of();
        }

        @Override
        public void add(String source, TokenIdentity token) {}

        @Override
        public void remove(String source, String accessor) {}
    };

    /** The tokens the source minted and has not revoked, oldest first. */
    List<TokenIdentity> load(String source);

    /** Remembers a token the source minted (or found in its file with Keyway's display name). */
    void add(String source, TokenIdentity token);

    /** Forgets a token the sweep revoked. */
    void remove(String source, String accessor);

    /** Kept in the store, shared by every node and every restart. */
    static VaultMintedTokens of(Store store, Clock clock) {
        return new VaultMintedTokens() {
            @Override
            public List<TokenIdentity> load(String source) {
                return store.listVaultMintedTokens(source).stream().map(r -> new TokenIdentity(r.accessor(), r.type(),
                        r.displayName(), VaultTokenFile.scope(r.policies().isEmpty() ? List.of() : List.of(r.policies().split(","))),
                        r.periodSeconds() == null ? null : Duration.ofSeconds(r.periodSeconds()), false)).toList();
            }

            @Override
            public void add(String source, TokenIdentity t) {
                store.addVaultMintedToken(new VaultMintedTokenRecord(source, t.accessor(), t.type(), t.displayName(),
                        t.scope().getOrDefault("policies", ""), t.period() == null ? null : t.period().toSeconds(), clock.instant()));
            }

            @Override
            public void remove(String source, String accessor) {
                store.deleteVaultMintedToken(source, accessor);
            }
        };
    }
}
