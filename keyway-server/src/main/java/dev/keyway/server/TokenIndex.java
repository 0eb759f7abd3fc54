package dev.keyway.server;

import dev.keyway.core.crypto.Tokens;
import dev.keyway.store.TokenRecord;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Immutable in-memory index of token hashes, rebuilt whenever tokens change. Lookup hashes the
 * presented token, finds the record by hash, and re-checks the stored hash with a constant-time
 * comparison before looking at expiry and revocation.
 */
public final class TokenIndex {
    private final Map<ByteBuffer, TokenRecord> byHash;
    private final Map<String, TokenRecord> byId;

    private TokenIndex(Map<ByteBuffer, TokenRecord> byHash, Map<String, TokenRecord> byId) {
        this.byHash = byHash;
        this.byId = byId;
    }

    public static TokenIndex of(List<TokenRecord> tokens) {
        Map<ByteBuffer, TokenRecord> h = new HashMap<>();
        Map<String, TokenRecord> i = new HashMap<>();
        for (TokenRecord t : tokens) {
            h.put(ByteBuffer.wrap(t.hash().clone()), t);
            i.put(t.id(), t);
        }
        return new TokenIndex(Map.copyOf(h), Map.copyOf(i));
    }

    /** Why a token was not accepted; the messages are safe to show to the presenter. */
    public enum Rejection {
        UNKNOWN("token is not valid"),
        REVOKED("token has been revoked"),
        EXPIRED("token has expired");

        public final String message;

        Rejection(String message) {
            this.message = message;
        }
    }

    public sealed interface Result {
        record Valid(TokenRecord token) implements Result {}

        /** @param tokenId the id of the presented token when it exists (revoked, expired), else null */
        record Invalid(Rejection reason, @Nullable String tokenId) implements Result {
            public Invalid(Rejection reason) {
                this(reason, null);
            }
        }
    }

    public Result verify(@Nullable String token, Instant now) {
        if (token == null || token.isEmpty() || token.length() > 200) {
            return new Result.Invalid(Rejection.UNKNOWN);
        }
        byte[] hash = Tokens.hash(token);
        TokenRecord r = byHash.get(ByteBuffer.wrap(hash));
        if (r == null || !Tokens.constantTimeEquals(r.hash(), hash)) {
            return new Result.Invalid(Rejection.UNKNOWN);
        }
        if (r.revoked()) {
            return new Result.Invalid(Rejection.REVOKED, r.id());
        }
        if (r.expiresAt() != null && !now.isBefore(r.expiresAt())) {
            return new Result.Invalid(Rejection.EXPIRED, r.id());
        }
        return new Result.Valid(r);
    }

    /** Current state of a token by id (for re-checking long-lived tunnels). */
    public Optional<TokenRecord> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }
}
