package dev.keyway.server.auth;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.TokenIndex;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.store.AgentRecord;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.UserRecord;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Authenticates control-plane requests ({@code Authorization: Bearer <token>}) against the
 * in-memory snapshot (token hashes, users, agents, grants) and builds the {@link Principal}.
 * Authorization decisions are made by {@link Access}.
 */
public final class ApiAuth {
    private final Supplier<Snapshot> snapshot;
    private final Clock clock;

    private final java.util.function.@org.jspecify.annotations.Nullable Consumer<String> onUse;
    private final java.util.function.@Nullable BooleanSupplier catchUp;

    public ApiAuth(Supplier<Snapshot> snapshot, Clock clock) {
        this(snapshot, clock, null);
    }

    /** @param onUse called with the token id of every successfully verified token (last-use tracking) */
    public ApiAuth(Supplier<Snapshot> snapshot, Clock clock, java.util.function.@org.jspecify.annotations.Nullable Consumer<String> onUse) {
        this(snapshot, clock, onUse, null);
    }

    /**
     * @param catchUp on a cluster node: brings the snapshot up to the database's latest change right
     *     now and returns whether it changed. Called when a presented token is unknown to the
     *     snapshot, then the token is checked once more: a session minted by another node a few
     *     milliseconds ago (sign in through node A, the balancer sends the next click to node B)
     *     must not bounce off B because B's change notification is still on its way. Costs one
     *     read of the change-log head per unknown token, never on the proxy path.
     */
    public ApiAuth(Supplier<Snapshot> snapshot, Clock clock, java.util.function.@Nullable Consumer<String> onUse,
            java.util.function.@Nullable BooleanSupplier catchUp) {
        this.snapshot = snapshot;
        this.clock = clock;
        this.onUse = onUse;
        this.catchUp = catchUp;
    }

    public Principal authenticate(ApiRequest req) {
        String h = req.header("authorization");
        if (h == null || h.isBlank()) {
            throw new KeywayException(ErrorType.UNAUTHORIZED,
                    "missing Authorization header; send 'Authorization: Bearer <token>' (keyway login, an agent token, "
                            + "or the admin token in the data dir)");
        }
        String token = h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : null;
        if (token == null) {
            throw new KeywayException(ErrorType.UNAUTHORIZED, "unsupported Authorization scheme; use 'Bearer <token>'");
        }
        return authenticateToken(token);
    }

    /** Verifies a token presented some other way than the header (the web console's session cookie). */
    public Principal authenticateToken(String token) {
        Snapshot s = snapshot.get();
        TokenIndex.Result r = s.tokens().verify(token, clock.instant());
        if (catchUp != null && r instanceof TokenIndex.Result.Invalid i && i.reason() == TokenIndex.Rejection.UNKNOWN
                && catchUp.getAsBoolean()) {
            s = snapshot.get();
            r = s.tokens().verify(token, clock.instant());
        }
        final Snapshot snap = s;
        return switch (r) {
            case TokenIndex.Result.Valid v -> {
                Principal p = principal(snap, v.token());
                if (onUse != null) {
                    onUse.accept(v.token().id());
                }
                yield p;
            }
            case TokenIndex.Result.Invalid i -> throw new KeywayException(ErrorType.UNAUTHORIZED, i.reason().message);
        };
    }

    /** Builds the principal for a verified token; also used by the proxy policy for agent tokens. */
    public static Principal principal(Snapshot s, TokenRecord t) {
        return switch (t.type()) {
            case "admin" -> new Principal(t.id(), "local-admin", "admin", null, true, Map.of(), null, t.expiresAt(), true);
            case "session" -> {
                UserRecord u = t.subject() == null ? null : s.users().get(t.subject());
                if (u == null || u.disabled()) {
                    throw new KeywayException(ErrorType.UNAUTHORIZED, "this session's user no longer exists or is disabled");
                }
                yield new Principal(t.id(), "user:" + u.email(), "session", u.id(), u.role().equals("owner"),
                        s.grantsOf(u.id()), null, t.expiresAt(), true);
            }
            case "agent" -> {
                AgentRecord a = agent(s, t);
                yield new Principal(t.id(), "agent:" + a.name(), "agent", a.id(), false, s.grantsOf(a.id()),
                        services(a.services()), t.expiresAt(), false);
            }
            case "scoped" -> {
                // A scoped token is for a sandbox, never a human session: it can use the proxy and the agent
                // endpoints of its one vault, restricted further by the minting agent's own service subset.
                Set<String> services = services(t.services());
                if (t.subject() != null && s.agents().containsKey(t.subject())) {
                    services = intersect(services, services(agent(s, t).services()));
                }
                UserRecord minter = t.subject() == null ? null : s.users().get(t.subject());
                if (minter != null && minter.disabled()) {
                    // disabling revokes these tokens too; this re-check fails closed if one was missed
                    throw new KeywayException(ErrorType.UNAUTHORIZED, "the user who minted this token is disabled");
                }
                Map<String, VaultRole> grants = t.vaultId() == null ? Map.of() : Map.of(t.vaultId(), VaultRole.PROXY);
                yield new Principal(t.id(), "token:" + t.displayName(), "scoped", t.subject(), false, grants, services,
                        t.expiresAt(), false);
            }
            case "approval" -> new Principal(t.id(), "approval:" + t.displayName(), "approval", t.subject(), false, Map.of(),
                    Set.of(), t.expiresAt(), false);
            default -> throw new KeywayException(ErrorType.UNAUTHORIZED, "unsupported token type");
        };
    }

    private static AgentRecord agent(Snapshot s, TokenRecord t) {
        AgentRecord a = t.subject() == null ? null : s.agents().get(t.subject());
        if (a == null || a.revoked()) {
            throw new KeywayException(ErrorType.UNAUTHORIZED, "the agent behind this token has been revoked or deleted");
        }
        return a;
    }

    public static @Nullable Set<String> services(@Nullable String csv) {
        if (csv == null || csv.isBlank()) {
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        Arrays.stream(csv.split(",")).map(String::strip).filter(x -> !x.isEmpty()).forEach(out::add);
        return out;
    }

    public static @Nullable Set<String> intersect(@Nullable Set<String> a, @Nullable Set<String> b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        Set<String> out = new LinkedHashSet<>(a);
        out.retainAll(b);
        return out;
    }

    public Principal requireAdmin(ApiRequest req) {
        Principal p = authenticate(req);
        Access.requireOwner(p);
        return p;
    }
}
