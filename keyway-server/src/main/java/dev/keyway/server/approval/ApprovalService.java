package dev.keyway.server.approval;

import dev.keyway.core.approval.ApprovalState;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.core.time.Durations;
import dev.keyway.server.api.AuditTrail;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.webhook.ApprovalEvent;
import dev.keyway.store.ApprovalRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The approvals of one node: records each held request as a PENDING row in the {@link Store} (so an
 * approver on any node or API connection can decide it), completes the holder's future with the
 * decision, and ends what nobody decided in time.
 *
 * <p>How the holder learns the decision: a decision made through this node's API completes the
 * future in process, at once; a decision made on another node is read back by {@link #tick}. A
 * decision is a change-log entry ({@link Store#decideApproval} bumps the revision), so the owner
 * runs the tick as soon as its snapshot moves (on PostgreSQL within a LISTEN round trip) and, as a
 * safety net and to time out expired approvals against the injected {@link Clock}, every
 * {@link #TICK} (tests move the clock and call it, nothing sleeps). Every state change
 * is a compare-and-set out of PENDING in the store, so a decision, a timeout and a cancellation
 * racing on different nodes have exactly one winner, and the loser reads the winner's outcome.
 *
 * <p>Store I/O runs on {@code io} (virtual threads), never on a proxy event loop. At most
 * {@link #MAX_HELD} requests are held per node; more are refused (429) rather than queued.
 */
public final class ApprovalService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApprovalService.class);
    /** How often {@link #tick} runs in a server. */
    public static final Duration TICK = Duration.ofMillis(500);
    /** Requests held at once by one node. */
    public static final int MAX_HELD = 256;
    /** The longest standing approval ({@code --for}). */
    public static final Duration MAX_FOR = Duration.ofDays(1);
    /** The longest denial reason kept (it is shown to the agent). */
    public static final int MAX_REASON = 500;
    /** The decider recorded for outcomes no human chose (timeout, client gone, node stopped). */
    public static final String PROXY = "proxy";

    private final Store store;
    private final Clock clock;
    private final String node;
    private final Executor io;
    private final AuditTrail trail;
    private final Consumer<Map<String, Object>> proxyAudit;
    private final Consumer<ApprovalEvent> notify;
    private final Supplier<String> consoleBase;
    private final ConcurrentHashMap<String, Held> held = new ConcurrentHashMap<>();
    private final AtomicInteger holding = new AtomicInteger();

    /** A request this node holds: its row as created and the future its holder waits on. */
    private record Held(ApprovalRecord record, CompletableFuture<ApprovalRecord> outcome) {}

    /**
     * A request to hold.
     *
     * @param path the client's path without the query, before injection (never a secret)
     * @param bodyBytes the buffered body's size, or 0
     */
    public record Request(String vaultId, String vaultName, String tokenId, String actor, String service, String method,
            String host, String path, long bodyBytes, Duration timeout) {}

    /**
     * @param trail control records of human decisions (who approved or denied what)
     * @param proxyAudit records of what the holding node did (requested, standing approval used,
     *     timed out, cancelled), appended to the audit log
     * @param notify told about every new pending approval (webhooks)
     * @param consoleBase the console's base URL for the approval link
     */
    public ApprovalService(Store store, Clock clock, String node, Executor io, AuditTrail trail,
            Consumer<Map<String, Object>> proxyAudit, Consumer<ApprovalEvent> notify, Supplier<String> consoleBase) {
        this.store = store;
        this.clock = clock;
        this.node = node;
        this.io = io;
        this.trail = trail;
        this.proxyAudit = proxyAudit;
        this.notify = notify;
        this.consoleBase = consoleBase;
    }

    /**
     * Holds a request: completes with an APPROVED record (a standing approval of the same request,
     * or a decision), or a DENIED or TIMED_OUT one; exceptionally with a {@link KeywayException}
     * when the request cannot be held (too many held: 429; store down: 503). Cancelling the returned
     * future (the client went away) records the approval CANCELLED.
     */
    public CompletableFuture<ApprovalRecord> hold(Request r) {
        CompletableFuture<ApprovalRecord> out = new CompletableFuture<>();
        if (holding.incrementAndGet() > MAX_HELD) {
            holding.decrementAndGet();
            out.completeExceptionally(new KeywayException(ErrorType.RATE_LIMITED, "this Keyway node already holds "
                    + MAX_HELD + " requests for approval; retry later", Map.of("retry_after", 10L)));
            return out;
        }
        out.whenComplete((v, e) -> holding.decrementAndGet());
        try {
            io.execute(() -> start(r, out));
        } catch (RuntimeException e) {
            out.completeExceptionally(new KeywayException(ErrorType.STORE_UNAVAILABLE, "approvals are shutting down"));
        }
        return out;
    }

    private void start(Request r, CompletableFuture<ApprovalRecord> out) {
        try {
            Instant now = clock.instant();
            Optional<ApprovalRecord> standing = store.standingApproval(r.tokenId(), r.service(), r.method(), r.path(), now);
            if (standing.isPresent()) {
                ApprovalRecord s = standing.get();
                proxyAudit.accept(record("standing", s, Map.of("approved_until", String.valueOf(s.approvedUntil()))));
                out.complete(s);
                return;
            }
            if (out.isDone()) {
                return; // the client left before anything was recorded
            }
            ApprovalRecord rec = store.createApproval(ApprovalRecord.pending("", r.vaultId(), r.tokenId(), r.actor(),
                    r.service(), r.method(), r.host(), r.path(), r.bodyBytes(), node, now, now.plus(r.timeout())));
            held.put(rec.id(), new Held(rec, out));
            out.whenComplete((v, e) -> {
                held.remove(rec.id());
                if (out.isCancelled()) { // cancelled on a proxy event loop: record it off the loop
                    io.execute(() -> end(rec, ApprovalState.CANCELLED, "the client went away"));
                }
            });
            proxyAudit.accept(record("requested", rec, Map.of("timeout", Durations.format(r.timeout()),
                    "body_bytes", r.bodyBytes())));
            notify.accept(new ApprovalEvent(rec.id(), r.vaultName(), r.actor(), r.service(), r.method(), r.host(), r.path(),
                    rec.expiresAt(), consoleBase.get() + "/approvals#" + rec.id()));
        } catch (KeywayException e) {
            out.completeExceptionally(e);
        } catch (RuntimeException e) {
            log.warn("could not record an approval for {} {} {}: {}", r.method(), r.host(), r.path(), e.toString());
            out.completeExceptionally(new KeywayException(ErrorType.STORE_UNAVAILABLE,
                    "the approval could not be recorded; nothing was forwarded"));
        }
    }

    /** Ends a held approval without a human (timeout, cancellation); true when this call won the race. */
    private boolean end(ApprovalRecord rec, ApprovalState to, String reason) {
        try {
            Instant now = clock.instant();
            if (!store.decideApproval(rec.id(), to, PROXY, reason, null, now)) {
                return false;
            }
            proxyAudit.accept(record(to.wire(), rec, Map.of("waited_ms", waited(rec, now), "reason", reason)));
            return true;
        } catch (RuntimeException e) {
            log.warn("could not record approval {} as {}: {}", rec.id(), to.wire(), e.toString());
            return false;
        }
    }

    /**
     * Times out what expired and picks up decisions made on other nodes. Runs off the event loops;
     * one read per held request, at most {@link #MAX_HELD}.
     */
    public void tick() {
        for (Held h : List.copyOf(held.values())) {
            ApprovalRecord rec = h.record();
            if (h.outcome().isDone()) {
                continue;
            }
            if (!clock.instant().isBefore(rec.expiresAt())) {
                end(rec, ApprovalState.TIMED_OUT, "nobody approved it within "
                        + Durations.format(Duration.between(rec.createdAt(), rec.expiresAt())));
            }
            try {
                store.approval(rec.id()).filter(a -> a.state().isFinal()).ifPresent(h.outcome()::complete);
            } catch (RuntimeException e) {
                log.debug("could not re-read approval {}: {}", rec.id(), e.toString());
            }
        }
    }

    /** Approvals, newest first, that {@code p} may see (member or more on their vault). */
    public List<ApprovalRecord> list(Principal p, @Nullable String vaultId, @Nullable ApprovalState state, int limit) {
        return store.listApprovals(vaultId, state, Math.min(limit, 1000)).stream()
                .filter(a -> {
                    VaultRole role = Access.roleOn(p, a.vaultId());
                    return role != null && role.atLeast(VaultRole.MEMBER);
                })
                .toList();
    }

    /** One approval, for a human member or more of its vault. */
    public ApprovalRecord get(Principal p, String id) {
        requireHuman(p);
        ApprovalRecord a = store.approval(id).orElseThrow(() -> notFound(id));
        VaultRole role = Access.roleOn(p, a.vaultId());
        if (role == null) {
            throw notFound(id); // no hint that it exists
        }
        Access.require(p, a.vaultId(), vaultName(a), VaultRole.MEMBER);
        return a;
    }

    /**
     * A human decides: approve (optionally for a while) or deny with a reason. Only a user with the
     * member role or more on the vault may decide, never an agent or a token minted for one, and
     * never the token that sent the request (an agent cannot approve itself).
     *
     * @throws KeywayException FORBIDDEN, NOT_FOUND, CONFLICT (already decided, timed out or
     *     cancelled), VALIDATION (a {@code for} duration or reason out of bounds)
     */
    public ApprovalRecord decide(Principal p, String id, boolean approve, @Nullable Duration standingFor,
            @Nullable String reason) {
        ApprovalRecord a = get(p, id);
        String vault = vaultName(a);
        requireDecider(p, a, vault);
        if (standingFor != null && (!approve || standingFor.isNegative() || standingFor.isZero()
                || standingFor.compareTo(MAX_FOR) > 0)) {
            throw KeywayException.validation("for", approve ? "'for' must be between 1s and " + Durations.format(MAX_FOR)
                    : "'for' applies to an approval, not a denial");
        }
        String why = reason == null || reason.isBlank() ? null : reason.strip();
        if (why != null && (why.length() > MAX_REASON || !Names.printable(why).equals(why))) {
            throw KeywayException.validation("reason", "a reason is at most " + MAX_REASON
                    + " printable characters (it is shown to the agent)");
        }
        if (a.state().isFinal()) {
            throw KeywayException.conflict("approval " + a.id() + " is already " + a.state().wire());
        }
        Instant now = clock.instant();
        Instant until = approve && standingFor != null ? now.plus(standingFor) : null;
        ApprovalState to = approve ? ApprovalState.APPROVED : ApprovalState.DENIED;
        if (!store.decideApproval(a.id(), to, p.actor(), why, until, now)) {
            ApprovalRecord lost = store.approval(a.id()).orElse(a);
            throw KeywayException.conflict("approval " + a.id() + " is already " + lost.state().wire());
        }
        ApprovalRecord decided = store.approval(a.id()).orElseThrow(() -> notFound(id));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("approval", a.id());
        d.put("requested_by", a.actor());
        d.put("request_token_id", a.tokenId());
        d.put("service", a.service());
        d.put("method", a.method());
        d.put("host", a.host());
        d.put("path", a.path());
        d.put("waited_ms", waited(a, now));
        if (until != null) {
            d.put("approved_until", until.toString());
        }
        if (why != null) {
            d.put("reason", why);
        }
        trail.record(p, approve ? "approval.approve" : "approval.deny", vault, d);
        Held h = held.get(a.id());
        if (h != null) {
            h.outcome().complete(decided); // the holder is on this node: at once
        }
        return decided;
    }

    /**
     * Approvals are a human workflow: agents and tokens minted for them neither see the requests
     * held (other agents' paths) nor decide them.
     */
    static void requireHuman(Principal p) {
        if (!p.user()) {
            throw new KeywayException(ErrorType.FORBIDDEN, "only a human user with the member role may see, approve or deny"
                    + " held requests; a " + p.type() + " token cannot");
        }
    }

    /** The rule of who may decide, as a pure check (tested by table). */
    static void requireDecider(Principal p, ApprovalRecord a, String vaultName) {
        requireHuman(p);
        if (p.tokenId().equals(a.tokenId())) {
            throw new KeywayException(ErrorType.FORBIDDEN, "the token that sent a request cannot approve it");
        }
        Access.require(p, a.vaultId(), vaultName, VaultRole.MEMBER);
    }

    /** Records every still-held approval of this node CANCELLED (the node stops; its clients lose their connections). */
    @Override
    public void close() {
        for (Held h : List.copyOf(held.values())) {
            end(h.record(), ApprovalState.CANCELLED, "the Keyway node holding it stopped");
            h.outcome().cancel(false);
        }
    }

    /** How many requests this node holds right now. */
    public int heldCount() {
        return held.size();
    }

    private String vaultName(ApprovalRecord a) {
        return store.vaultById(a.vaultId()).map(VaultRecord::name).orElse(a.vaultId());
    }

    private static long waited(ApprovalRecord a, Instant now) {
        return Math.max(0, Duration.between(a.createdAt(), now).toMillis());
    }

    private Map<String, Object> record(String action, ApprovalRecord a, Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "approval");
        m.put("action", action);
        m.put("time", clock.instant().toString());
        m.put("approval", a.id());
        m.put("vault_id", a.vaultId());
        m.put("token_id", a.tokenId());
        m.put("actor", a.actor());
        m.put("service", a.service());
        m.put("method", a.method());
        m.put("host", a.host());
        m.put("path", a.path());
        m.put("node", node);
        m.putAll(extra);
        return m;
    }

    private static KeywayException notFound(String id) {
        return KeywayException.notFound("no approval '" + Names.printable(id) + "'");
    }
}
