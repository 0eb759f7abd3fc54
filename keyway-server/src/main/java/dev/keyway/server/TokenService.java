package dev.keyway.server;

import dev.keyway.core.crypto.Tokens;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.core.time.Durations;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.store.Store;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.VaultRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One token model for everything: mint, look up, renew, revoke. Tokens are 256-bit random strings
 * with a type prefix ({@code kw_adm_}, {@code kw_ses_}, {@code kw_agt_}, {@code kw_tok_},
 * {@code kw_apr_}); only their SHA-256 hash is stored. Each has a non-secret id and accessor.
 *
 * <p>Lifetimes: a TTL token expires at {@code expires_at}; renewing moves it to now + increment.
 * A periodic token is renewed by its period and never expires while renewed in time. A max TTL is
 * a hard end no renewal can pass. Revoking a token also revokes the tokens it minted.
 */
public final class TokenService {
    public static final Duration DEFAULT_TTL = Duration.ofHours(8);
    public static final Duration DEFAULT_RENEW_INCREMENT = Duration.ofHours(1);
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

    /** Lifetime options of a new token; all optional. */
    public record Lifetime(@Nullable Duration ttl, @Nullable Duration period, @Nullable Duration maxTtl) {
        public static final Lifetime DEFAULT = new Lifetime(null, null, null);
    }

    /** The instance's break-glass admin token (created at first start, or on rotation). */
    public Issued mintAdmin(String createdBy) {
        return mint("kw_adm_", "admin", null, null, "local-admin", createdBy, null, null, null, null, null, null);
    }

    /** A login session for a user. */
    public Issued mintSession(String userId, String email, Duration ttl) {
        return mint("kw_ses_", "session", null, null, email, "user:" + email, clock.instant().plus(ttl), null, null, null, null, userId);
    }

    /**
     * An agent's own token. Without a ttl or period it does not expire (as {@code agent create}
     * documents): an unattended agent must not lose access overnight; rotate or revoke it instead.
     * A max TTL alone is its hard end.
     */
    public Issued mintAgent(String agentId, String agentName, Lifetime life, String createdBy) {
        Instant now = clock.instant();
        Instant max = life.maxTtl() == null ? null : now.plus(life.maxTtl());
        Instant expires;
        if (life.ttl() == null && life.period() == null) {
            if (life.maxTtl() != null) {
                checkPositive("max_ttl", life.maxTtl());
            }
            expires = max;
        } else {
            expires = expiry(now, life, null);
        }
        return mint("kw_agt_", "agent", null, null, agentName, createdBy, expires, life.period(), max, null, null, agentId);
    }

    /** An approval token: read-only access to one proposal. */
    public Issued mintApproval(String proposalId, Instant expires, String createdBy) {
        return mint("kw_apr_", "approval", null, null, proposalId, createdBy, expires, null, null, null, null, proposalId);
    }

    /**
     * A vault-bound proxy token minted by {@code minter}, inheriting at most the minter's grants:
     * the minter needs a role on the vault, the services must be within the minter's, and the token
     * cannot outlive the minter's own token.
     */
    public Issued mintScoped(Principal minter, VaultRecord vault, Lifetime life, @Nullable String displayName,
            @Nullable Set<String> services) {
        Access.require(minter, vault.id(), vault.name(), VaultRole.PROXY);
        if (minter.type().equals("scoped")) {
            throw new KeywayException(ErrorType.FORBIDDEN, "a scoped token cannot mint other tokens");
        }
        Set<String> effective = services;
        if (minter.services() != null) {
            if (services == null) {
                effective = minter.services();
            } else if (!minter.services().containsAll(services)) {
                List<String> extra = new ArrayList<>(services);
                extra.removeAll(minter.services());
                throw new KeywayException(ErrorType.FORBIDDEN, "cannot grant services " + extra + ": " + minter.actor()
                        + " may only use " + minter.services());
            }
        }
        String name = displayName == null || displayName.isBlank() ? "token" : displayName.strip();
        if (name.length() > 100) {
            throw KeywayException.validation("display_name", "display name is longer than 100 characters");
        }
        Instant now = clock.instant();
        Instant expires = expiry(now, life, minter.expiresAt());
        Instant max = life.maxTtl() == null ? null : now.plus(life.maxTtl());
        if (minter.expiresAt() != null && (max == null || max.isAfter(minter.expiresAt())) && life.period() != null) {
            max = minter.expiresAt(); // a periodic child cannot be renewed past its minter's life
        }
        return mint("kw_tok_", "scoped", vault.id(), VaultRole.PROXY.wire(), name, minter.actor(), expires, life.period(), max,
                effective == null ? null : String.join(",", effective), minter.tokenId(), minter.subjectId());
    }

    private Instant expiry(Instant now, Lifetime life, @Nullable Instant ceiling) {
        if (life.ttl() != null && life.period() != null) {
            throw KeywayException.validation("period", "give either a ttl or a period, not both");
        }
        Duration d = life.period() != null ? life.period() : life.ttl() != null ? life.ttl() : DEFAULT_TTL;
        checkPositive(life.period() != null ? "period" : "ttl", d);
        if (life.maxTtl() != null) {
            checkPositive("max_ttl", life.maxTtl());
            if (d.compareTo(life.maxTtl()) > 0) {
                throw KeywayException.validation("max_ttl", "max_ttl (" + Durations.format(life.maxTtl())
                        + ") is shorter than the " + (life.period() != null ? "period" : "ttl") + " (" + Durations.format(d) + ")");
            }
        }
        Instant e = now.plus(d);
        if (ceiling != null && e.isAfter(ceiling)) {
            throw KeywayException.validation("ttl", "the requested lifetime (" + Durations.format(d)
                    + ") exceeds your own token's remaining lifetime (until " + ceiling + ")");
        }
        return e;
    }

    private static void checkPositive(String field, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw KeywayException.validation(field, field + " must be positive (e.g. 30m, 8h, 7d)");
        }
        if (d.compareTo(MAX_TTL) > 0) {
            throw KeywayException.validation(field, field + " must be at most " + MAX_TTL.toDays() + "d");
        }
    }

    private Issued mint(String prefix, String type, @Nullable String vaultId, @Nullable String role, String displayName,
            String createdBy, @Nullable Instant expiresAt, @Nullable Duration period, @Nullable Instant maxExpiresAt,
            @Nullable String services, @Nullable String parentId, @Nullable String subject) {
        String token = Tokens.newToken(prefix);
        TokenRecord r = new TokenRecord(Tokens.newId("tok_"), Tokens.newAccessor(), Tokens.hash(token), type, vaultId, role,
                displayName, createdBy, clock.instant(), expiresAt, period, maxExpiresAt, null, false, services, parentId, subject);
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

    public TokenRecord findByToken(String token) {
        return store.tokenByHash(Tokens.hash(token)).orElseThrow(() -> KeywayException.notFound("no such token"));
    }

    /** Whether {@code p} may see or manage {@code t}: the owner, the token itself, its minter, or its subject. */
    public static boolean manages(Principal p, TokenRecord t) {
        return p.owner() || t.id().equals(p.tokenId()) || p.tokenId().equals(t.parentId())
                || (p.subjectId() != null && p.subjectId().equals(t.subject()) && !t.type().equals("admin"));
    }

    /** Revokes a token and, recursively, every token it minted. */
    public TokenRecord revoke(TokenRecord r) {
        if (r.type().equals("admin")) {
            throw new KeywayException(ErrorType.CONFLICT, "the admin token cannot be revoked this way; use 'keyway admin-token rotate'");
        }
        revokeTree(r.id(), store.listTokens(null));
        onChange.run();
        return store.tokenById(r.id()).orElseThrow();
    }

    private void revokeTree(String id, List<TokenRecord> all) {
        store.revokeToken(id);
        for (TokenRecord t : all) {
            if (id.equals(t.parentId()) && !t.revoked()) {
                revokeTree(t.id(), all);
            }
        }
    }

    /**
     * Renews a token: periodic tokens by their period (the increment is ignored), others by the
     * increment (default 1h). Never past the max TTL: such a renewal is refused.
     */
    public TokenRecord renew(TokenRecord t, @Nullable Duration increment) {
        if (t.revoked()) {
            throw new KeywayException(ErrorType.CONFLICT, "the token is revoked");
        }
        if (t.type().equals("admin")) {
            throw new KeywayException(ErrorType.CONFLICT, "the admin token does not expire and needs no renewal");
        }
        if (t.expiresAt() == null && t.period() == null) {
            return t; // a token without expiry stays without one: renewing must not give it an end
        }
        Instant now = clock.instant();
        if (t.expiresAt() != null && !now.isBefore(t.expiresAt())) {
            throw new KeywayException(ErrorType.CONFLICT, "the token has expired; expired tokens cannot be renewed");
        }
        Duration d = t.period() != null ? t.period() : increment != null ? increment : DEFAULT_RENEW_INCREMENT;
        checkPositive("increment", d);
        Instant next = now.plus(d);
        if (t.maxExpiresAt() != null && next.isAfter(t.maxExpiresAt())) {
            throw new KeywayException(ErrorType.CONFLICT, "renewal refused: it would pass the token's max TTL (ends "
                    + t.maxExpiresAt() + "); mint a new token");
        }
        if (t.expiresAt() == null || next.isAfter(t.expiresAt())) {
            store.updateTokenExpiry(t.id(), next);
            onChange.run();
        }
        return store.tokenById(t.id()).orElseThrow();
    }

    /** Revokes every admin token and mints a new one (used for first start and rotation). */
    public Issued rotateAdmin(String actor) {
        revokeAdmins();
        return mintAdmin(actor);
    }

    public void revokeAdmins() {
        for (TokenRecord r : store.listTokens(null)) {
            if (r.type().equals("admin") && !r.revoked()) {
                store.revokeToken(r.id());
            }
        }
        onChange.run();
    }
}
