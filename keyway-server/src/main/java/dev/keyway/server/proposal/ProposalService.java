package dev.keyway.server.proposal;

import dev.keyway.core.crypto.Tokens;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ServiceValidator;
import dev.keyway.server.CredentialWriter;
import dev.keyway.core.time.Durations;
import dev.keyway.server.TokenService;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.runtime.ServiceSpecs;
import dev.keyway.server.webhook.ProposalEvent;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.ProposalRecord;
import dev.keyway.store.ServiceRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The proposal lifecycle: create (validated like the service API, flagged, with a read-only approval
 * token), view, approve (applied atomically: status, services and credential values commit together
 * or not at all), reject, and expiry (computed lazily on read and by a periodic {@link #sweep()}).
 * Authorization is checked here with {@link ProposalAccess} so every entry point applies it.
 */
public final class ProposalService {
    private static final Logger log = LoggerFactory.getLogger(ProposalService.class);
    public static final String PENDING = "pending";
    public static final String APPROVED = "approved";
    public static final String REJECTED = "rejected";
    public static final String EXPIRED = "expired";
    public static final List<String> STATUSES = List.of(PENDING, APPROVED, REJECTED, EXPIRED);
    private static final int MAX_REASON = 1000;

    private final Store store;
    private final VaultService vaults;
    private final TokenService tokens;
    private final Clock clock;
    private final Runnable onChange;
    private final ProposalLimits limits;
    private final Supplier<String> baseUrl;
    private final Consumer<ProposalEvent> listener;

    public ProposalService(Store store, VaultService vaults, TokenService tokens, Clock clock, Runnable onChange,
            ProposalLimits limits, Supplier<String> baseUrl, Consumer<ProposalEvent> listener) {
        this.store = store;
        this.vaults = vaults;
        this.tokens = tokens;
        this.clock = clock;
        this.onChange = onChange;
        this.limits = limits;
        this.baseUrl = baseUrl;
        this.listener = listener;
    }

    /** Body of {@code POST /v1/proposals}. */
    public record CreateProposal(@Nullable String vault, @Nullable List<JsonNode> services,
            @Nullable List<CredentialSlot> credentials, @Nullable String message, @Nullable String expiresIn) {}

    /** A created proposal; {@code approvalUrl} holds the approval token and is returned exactly once. */
    public record Created(ProposalRecord record, ProposalContent content, String approvalUrl) {
        @Override
        public String toString() {
            return "Created[id=" + record.id() + "]";
        }
    }

    /** Outcome of an approval: what was added, which credential values were set, which slots still have none. */
    public record Approved(ProposalRecord record, ProposalContent content, List<String> services,
            List<String> credentialsSet, List<String> credentialsMissing, ProposerGrant grant) {}

    public ProposalLimits limits() {
        return limits;
    }

    // ---- create ----

    public Created create(Principal p, VaultRecord v, CreateProposal body) {
        String message = message(body.message());
        Duration ttl = ttl(body.expiresIn());
        List<JsonNode> raw = body.services() == null ? List.of() : body.services();
        List<CredentialSlot> slots = body.credentials() == null ? List.of() : body.credentials();
        if (raw.isEmpty() && slots.isEmpty()) {
            throw KeywayException.validation("services", "a proposal needs at least one service or credential");
        }
        if (raw.size() > limits.maxServices()) {
            throw KeywayException.validation("services", "a proposal may add at most " + limits.maxServices()
                    + " services (got " + raw.size() + "); split it");
        }
        if (slots.size() > limits.maxCredentials()) {
            throw KeywayException.validation("credentials", "a proposal may request at most " + limits.maxCredentials()
                    + " credentials (got " + slots.size() + "); split it");
        }
        List<ServiceDefinition> defs = parseServices(raw);
        Set<String> existingCreds = credentialNames(v);
        List<CredentialSlot> cleanSlots = checkSlots(v, slots, existingCreds);
        List<ServiceDefinition> existing = existingServices(store, v);
        checkFitsVault(v, defs, existing, false);
        Set<String> requested = new HashSet<>();
        cleanSlots.forEach(s -> requested.add(s.name()));
        for (ServiceDefinition d : defs) {
            for (String cred : d.injection().credentialNames()) {
                if (!existingCreds.contains(cred) && !requested.contains(cred)) {
                    throw KeywayException.validation("credentials", "service '" + d.name() + "' uses credential " + cred
                            + ", which does not exist in vault '" + v.name() + "'; add {\"name\": \"" + cred
                            + "\"} to 'credentials' so the reviewer can provide it");
                }
            }
        }
        List<ProposalFlags.Warning> warnings = ProposalFlags.analyze(existing, existingCreds, defs);
        List<String> flags = ProposalFlags.flags(warnings);
        List<JsonNode> trees = defs.stream().map(d -> (JsonNode) ServiceSpecs.toTree(d)).toList();
        ProposalContent content = new ProposalContent(trees, cleanSlots,
                warnings.stream().map(ProposalFlags.Warning::message).toList(), p.tokenId(), p.subjectId());

        Instant now = clock.instant();
        Instant expires = now.plus(ttl);
        expireOverdue(v.id());
        requireRoom(v, now);
        String id = Tokens.newId("prp_");
        TokenService.Issued approval = tokens.mintApproval(id, expires, p.actor());
        ProposalRecord rec;
        try {
            rec = store.atomically(st -> {
                requireRoom(v, now);
                return st.createProposal(new ProposalRecord(id, v.id(), PENDING, content.toJson(), message, p.actor(), now,
                        expires, null, null, null, approval.record().id(), flags.isEmpty() ? null : String.join(",", flags)));
            });
        } catch (RuntimeException e) {
            tokens.revoke(approval.record());
            throw e;
        }
        String url = baseUrl.get() + "/approve/" + id + "#" + approval.token();
        try {
            listener.accept(event(rec, content, v.name(), url));
        } catch (RuntimeException e) {
            log.warn("could not queue notifications for proposal {}: {}", id, e.toString());
        }
        return new Created(rec, content, url);
    }

    private String message(@Nullable String m) {
        if (m == null || m.isBlank()) {
            throw KeywayException.validation("message", "'message' is required: tell the reviewer why you need this");
        }
        if (m.length() > limits.maxMessage()) {
            throw KeywayException.validation("message", "message is longer than " + limits.maxMessage() + " characters");
        }
        return m.strip();
    }

    private Duration ttl(@Nullable String expiresIn) {
        if (expiresIn == null) {
            return limits.defaultTtl();
        }
        Duration d = Durations.parse("expires_in", expiresIn);
        if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(limits.defaultTtl()) > 0) {
            throw KeywayException.validation("expires_in", "expires_in must be between 1s and "
                    + Durations.format(limits.defaultTtl()));
        }
        return d;
    }

    private static List<ServiceDefinition> parseServices(List<JsonNode> raw) {
        List<ServiceDefinition> defs = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            JsonNode n = raw.get(i);
            if (n == null || !n.isObject()) {
                throw KeywayException.validation("services[" + i + "]", "services[" + i + "] must be a service definition object");
            }
            try {
                ServiceDefinition d = ServiceSpecs.fromTree(n);
                ServiceValidator.validate(d);
                defs.add(d);
            } catch (KeywayException e) {
                Map<String, Object> extras = new LinkedHashMap<>(e.extras());
                extras.put("field", "services[" + i + "]" + (e.extras().get("field") instanceof String f ? "." + f : ""));
                throw new KeywayException(e.type(), "services[" + i + "]: " + e.detail(), extras);
            }
        }
        return defs;
    }

    private static List<CredentialSlot> checkSlots(VaultRecord v, List<CredentialSlot> slots, Set<String> existing) {
        List<CredentialSlot> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < slots.size(); i++) {
            CredentialSlot s = slots.get(i);
            String field = "credentials[" + i + "]";
            if (s == null || s.name() == null) {
                throw KeywayException.validation(field + ".name", field + ": 'name' is required");
            }
            try {
                Names.credential(s.name());
            } catch (KeywayException e) {
                throw KeywayException.validation(field + ".name", field + ": " + e.detail());
            }
            if (s.description() != null && s.description().length() > 500) {
                throw KeywayException.validation(field + ".description", field + ": description is longer than 500 characters");
            }
            if (!seen.add(s.name())) {
                throw KeywayException.validation(field + ".name", "credential " + s.name() + " is requested twice");
            }
            if (existing.contains(s.name())) {
                throw KeywayException.conflict("credential " + s.name() + " already exists in vault '" + v.name()
                        + "'; do not request it again, use it from a service (the reviewer sees where it would be sent)");
            }
            out.add(new CredentialSlot(s.name(), s.description() == null || s.description().isBlank() ? null : s.description().strip()));
        }
        return out;
    }

    /**
     * The proposed services must be new names, and the vault with them added must pass the vault
     * rules. On approval a failure means the vault changed since, so it is a conflict.
     */
    private static void checkFitsVault(VaultRecord v, List<ServiceDefinition> defs, List<ServiceDefinition> existing,
            boolean approving) {
        Set<String> names = new HashSet<>();
        existing.forEach(e -> names.add(e.name()));
        for (ServiceDefinition d : defs) {
            if (names.contains(d.name())) {
                throw KeywayException.conflict("service '" + d.name() + "' " + (approving ? "now exists" : "already exists")
                        + " in vault '" + v.name() + "'; a proposal can only add new services"
                        + (approving ? " (the proposal stays pending: reject it, or remove that service first)" : ""));
            }
        }
        List<ServiceDefinition> all = new ArrayList<>(existing);
        all.addAll(defs);
        try {
            ServiceValidator.validateVault(all);
        } catch (KeywayException e) {
            if (approving) {
                throw KeywayException.conflict("cannot apply the proposal to vault '" + v.name() + "' as it is now: "
                        + e.detail() + " (the proposal stays pending)");
            }
            throw e;
        }
    }

    private static List<ServiceDefinition> existingServices(Store st, VaultRecord v) {
        List<ServiceDefinition> out = new ArrayList<>();
        for (ServiceRecord r : st.listServices(v.id())) {
            try {
                out.add(ServiceSpecs.parse(r.specJson()).withEnabled(r.enabled()));
            } catch (KeywayException e) {
                log.debug("ignoring unparsable service {} in vault {}", r.name(), v.name());
            }
        }
        return out;
    }

    private Set<String> credentialNames(VaultRecord v) {
        Set<String> out = new TreeSet<>();
        store.listCredentials(v.id()).forEach(c -> out.add(c.name()));
        return out;
    }

    private void requireRoom(VaultRecord v, Instant now) {
        if (store.countProposals(v.id(), PENDING) < limits.maxPending()) {
            return;
        }
        Instant first = store.listProposals(v.id(), PENDING).stream().map(ProposalRecord::expiresAt).min(Instant::compareTo)
                .orElse(now.plusSeconds(60));
        long retry = Math.max(1, Duration.between(now, first).toSeconds());
        throw new KeywayException(ErrorType.RATE_LIMITED, "vault '" + v.name() + "' already has " + limits.maxPending()
                + " pending proposals; wait until a member reviews them (or one expires) before proposing more",
                Map.of("retry_after", retry));
    }

    private static ProposalEvent event(ProposalRecord r, ProposalContent c, String vault, String url) {
        List<ProposalEvent.Service> services = c.definitions().stream()
                .map(d -> new ProposalEvent.Service(d.name(), d.host())).toList();
        return new ProposalEvent(r.id(), vault, r.message() == null ? "" : r.message(), r.createdBy(), r.expiresAt(),
                flags(r), c.warnings(), services, List.copyOf(c.slotNames()), url);
    }

    /** The record's flags as a list. */
    public static List<String> flags(ProposalRecord r) {
        return r.flags() == null || r.flags().isBlank() ? List.of() : List.of(r.flags().split(","));
    }

    // ---- read ----

    /** A proposal by id (expired first if overdue), checked against the caller. */
    public ProposalRecord view(Principal p, String id) {
        ProposalRecord r = get(id);
        ProposalAccess.requireView(p, r, content(r));
        return r;
    }

    /** A proposal by id, marked expired first if it is overdue. NOT_FOUND if unknown. */
    public ProposalRecord get(String id) {
        ProposalRecord r = store.proposal(id).orElseThrow(() -> KeywayException.notFound(
                "proposal '" + Names.printable(id) + "' does not exist"));
        return expireIfOverdue(r);
    }

    public List<ProposalRecord> list(@Nullable String vaultId, @Nullable String status) {
        if (status != null && !STATUSES.contains(status)) {
            throw KeywayException.validation("status", "status must be one of " + STATUSES + " (got '" + Names.printable(status) + "')");
        }
        expireOverdue(vaultId);
        return store.listProposals(vaultId, status);
    }

    public static ProposalContent content(ProposalRecord r) {
        return ProposalContent.parse(r.bodyJson());
    }

    public VaultRecord vaultOf(ProposalRecord r) {
        return store.vaultById(r.vaultId()).orElseThrow(() -> KeywayException.notFound("the proposal's vault no longer exists"));
    }

    /** Credential names currently in the proposal's vault (to show which requested ones exist by now). */
    public Set<String> credentialNames(ProposalRecord r) {
        return credentialNames(vaultOf(r));
    }

    /**
     * What approving the proposal would do (or, once approved, did) for its proposer's access, from
     * the store as it is now: see {@link ProposerGrant}.
     */
    public ProposerGrant proposerGrant(ProposalRecord r, ProposalContent c) {
        return proposerGrant(store, c, r.vaultId());
    }

    private static ProposerGrant proposerGrant(Store st, ProposalContent c, String vaultId) {
        List<String> names = c.definitions().stream().map(ServiceDefinition::name).toList();
        if (names.isEmpty()) {
            return ProposerGrant.NONE;
        }
        var agent = c.proposerSubject() == null ? java.util.Optional.<dev.keyway.store.AgentRecord>empty()
                : st.agentById(c.proposerSubject());
        var token = st.tokenById(c.proposerTokenId());
        String tokenServices = token.filter(t -> t.type().equals("scoped")).map(dev.keyway.store.TokenRecord::services).orElse(null);
        Set<String> elsewhere = new HashSet<>();
        agent.ifPresent(a -> {
            for (var g : st.grantsOf(a.id())) {
                if (!g.vaultId().equals(vaultId)) {
                    st.listServices(g.vaultId()).forEach(s -> elsewhere.add(s.name()));
                }
            }
        });
        return ProposerGrant.decide(agent.map(dev.keyway.store.AgentRecord::name).orElse(null),
                agent.map(dev.keyway.store.AgentRecord::services).orElse(null), tokenServices, names, elsewhere);
    }

    // ---- decide ----

    /**
     * Approves and applies a proposal in one transaction: the status moves pending → approved
     * (compare-and-set, so two reviewers cannot both apply it), every service is added and every
     * supplied credential value is encrypted and stored. Any failure rolls all of it back and the
     * proposal stays pending. Values are wiped after use.
     */
    public Approved approve(Principal p, String id, Map<String, String> values) {
        ProposalRecord r = get(id);
        ProposalContent c = content(r);
        VaultRecord v = vaultOf(r);
        ProposalAccess.requireReviewer(p, r, v.name(), c);
        requirePending(r);
        Set<String> allowed = c.involvedCredentials();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw KeywayException.validation("credentials", "proposal " + id + " does not involve credential '"
                        + Names.printable(e.getKey()) + "'; it involves " + allowed);
            }
            if (e.getValue() == null) {
                throw KeywayException.validation("credentials", "the value for " + e.getKey() + " is null");
            }
        }
        List<ServiceDefinition> defs = c.definitions();
        Map<String, String> descriptions = new LinkedHashMap<>();
        c.credentials().forEach(s -> descriptions.put(s.name(), s.description()));
        Map<String, byte[]> secrets = new LinkedHashMap<>();
        values.forEach((k, val) -> secrets.put(k, val.getBytes(StandardCharsets.UTF_8)));
        Instant now = clock.instant();
        ProposalRecord done;
        ProposerGrant[] grant = {ProposerGrant.NONE};
        try {
            done = store.atomically(st -> {
                if (!st.decideProposal(id, PENDING, APPROVED, p.actor(), null, now)) {
                    ProposalRecord cur = st.proposal(id).orElseThrow();
                    throw KeywayException.conflict("proposal " + id + " is " + cur.status() + " and can no longer be approved");
                }
                checkFitsVault(v, defs, existingServices(st, v), true);
                for (ServiceDefinition d : defs) {
                    st.putService(v.id(), d.name(), ServiceSpecs.toJson(d), d.enabled(), p.actor());
                }
                secrets.forEach((name, value) ->
                        CredentialWriter.put(st, vaults, v, name, value, descriptions.get(name), p.actor()));
                ProposerGrant g = proposerGrant(st, c, v.id());
                if (g.agent() != null && g.agentServicesAfter() != null && c.proposerSubject() != null) {
                    st.setAgentServices(c.proposerSubject(), String.join(",", g.agentServicesAfter()));
                }
                grant[0] = g;
                return st.proposal(id).orElseThrow();
            });
        } finally {
            secrets.values().forEach(b -> Arrays.fill(b, (byte) 0));
        }
        onChange.run();
        Set<String> have = new TreeSet<>();
        for (CredentialRecord cr : store.listCredentials(v.id())) {
            have.add(cr.name());
        }
        List<String> missing = c.involvedCredentials().stream().filter(n -> !have.contains(n)).sorted().toList();
        return new Approved(done, c, defs.stream().map(ServiceDefinition::name).toList(),
                List.copyOf(new TreeSet<>(secrets.keySet())), missing, grant[0]);
    }

    public ProposalRecord reject(Principal p, String id, @Nullable String reason) {
        ProposalRecord r = get(id);
        ProposalContent c = content(r);
        VaultRecord v = vaultOf(r);
        ProposalAccess.requireReviewer(p, r, v.name(), c);
        requirePending(r);
        String why = reason == null || reason.isBlank() ? null : reason.strip();
        if (why != null && why.length() > MAX_REASON) {
            throw KeywayException.validation("reason", "reason is longer than " + MAX_REASON + " characters");
        }
        if (!store.decideProposal(id, PENDING, REJECTED, p.actor(), why, clock.instant())) {
            throw KeywayException.conflict("proposal " + id + " is " + get(id).status() + " and can no longer be rejected");
        }
        return get(id);
    }

    private static void requirePending(ProposalRecord r) {
        if (!r.status().equals(PENDING)) {
            throw KeywayException.conflict("proposal " + r.id() + " is " + r.status() + "; only pending proposals can be decided");
        }
    }

    // ---- expiry ----

    private ProposalRecord expireIfOverdue(ProposalRecord r) {
        Instant now = clock.instant();
        if (r.status().equals(PENDING) && !now.isBefore(r.expiresAt())) {
            store.decideProposal(r.id(), PENDING, EXPIRED, null, null, now);
            return store.proposal(r.id()).orElse(r);
        }
        return r;
    }

    private int expireOverdue(@Nullable String vaultId) {
        Instant now = clock.instant();
        int n = 0;
        for (ProposalRecord r : store.listProposals(vaultId, PENDING)) {
            if (!now.isBefore(r.expiresAt()) && store.decideProposal(r.id(), PENDING, EXPIRED, null, null, now)) {
                n++;
            }
        }
        return n;
    }

    /** Marks every overdue pending proposal expired; returns how many. Run periodically. */
    public int sweep() {
        return expireOverdue(null);
    }
}
