package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A Vault token a {@code hashicorp-vault} source minted while healing its token file, by accessor
 * (an accessor identifies a token for lookup and revocation but cannot authenticate, so it is not a
 * secret). Kept so a later heal's sweep revokes the stale ones Keyway minted before a restart too.
 *
 * @param policies sorted, comma-separated, without {@code default}
 * @param periodSeconds the token's period, or null for a non-periodic token
 */
public record VaultMintedTokenRecord(String source, String accessor, String type, String displayName, String policies,
        @Nullable Long periodSeconds, Instant createdAt) {}
