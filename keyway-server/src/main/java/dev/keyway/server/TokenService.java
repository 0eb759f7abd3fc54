package dev.keyway.server;

import dev.keyway.core.crypto.Tokens;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.store.Store;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.VaultRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Mints, lists and revokes tokens. Tokens are 256-bit random strings with a type prefix; only their
 * SHA-256 hash is stored. Verification happens against the in-memory {@link TokenIndex}, never
 * the database, so proxy authentication costs one hash and one map lookup.
 */
public final class TokenService {
    public static final Duration DEFAULT_TTL = Duration.ofHours(8);
    public static final Duration MAX_TTL = Duration.ofDays(365);

    private final Store store;
    private final Clock clock;
    private final Runnable onChange;

    public TokenService(Store store, Clock clock, Runnable onChange) {
        this.store = store;
        this.clock = clock;
        this.onChange = onChange;
    }

    /** A freshly minted token: the only moment the token string exists outside the client. */
    public record Issued(String token, TokenRecord record) {
        @Override
        public String toString() {
            return "Issued[" + record + "]";
        }
    }

    /** The instance's break-glass admin token (created at first start, or on rotation). */
    public Issued mintAdmin(String createdBy) {
        return mint("kw_adm_", "admin", null, null, "local-admin", createdBy, null, null);
    }

    /** A vault-bound proxy token (role {@code proxy}) with a TTL. */
    public Issued mintScoped(VaultRecord vault, Duration ttl, @Nullable String displayName, String createdBy) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw KeywayException.validation("ttl", "ttl must be positive (e.g. 30m, 8h, 7d)");
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw KeywayException.validation("ttl", "ttl must be at most " + MAX_TTL.toDays() + "d");
        }
        String name = displayName == null || displayName.isBlank() ? "token" : displayName.strip();
        if (name.length() > 100) {
            throw KeywayException.validation("display_name", "display name is longer than 100 characters");
        }
        return mint("kw_tok_", "scoped", vault.id(), "proxy", name, createdBy, clock.instant().plus(ttl), null);
    }

    private Issued mint(String prefix, String type, @Nullable String vaultId, @Nullable String role, String displayName,
            String createdBy, @Nullable Instant expiresAt, @Nullable Duration period) {
        String token = Tokens.newToken(prefix);
        TokenRecord r = new TokenRecord(Tokens.newId("tok_"), Tokens.newAccessor(), Tokens.hash(token), type, vaultId, role,
                displayName, createdBy, clock.instant(), expiresAt, period, null, null, false, null, null, null);
        store.insertToken(r);
        onChange.run();
        return new Issued(token, r);
    }

    public List<TokenRecord> list(@Nullable String vaultId) {
        return store.listTokens(vaultId);
    }

    /** Finds a token by id or accessor (both non-secret handles). */
    public TokenRecord find(String idOrAccessor) {
        return store.tokenById(idOrAccessor)
                .or(() -> store.tokenByAccessor(idOrAccessor))
                .orElseThrow(() -> KeywayException.notFound("no token with id or accessor '" + Names.printable(idOrAccessor) + "'"));
    }

    public TokenRecord revoke(String idOrAccessor) {
        TokenRecord r = find(idOrAccessor);
        if (r.type().equals("admin")) {
            throw new KeywayException(ErrorType.CONFLICT, "the admin token cannot be revoked this way; rotate it instead");
        }
        store.revokeToken(r.id());
        onChange.run();
        return store.tokenById(r.id()).orElseThrow();
    }

    /** Revokes every admin token and mints a new one (used for first start and rotation). */
    public Issued rotateAdmin(String actor) {
        for (TokenRecord r : store.listTokens(null)) {
            if (r.type().equals("admin") && !r.revoked()) {
                store.revokeToken(r.id());
            }
        }
        return mintAdmin(actor);
    }
}
