package dev.keyway.server.runtime;

import dev.keyway.core.decoy.DecoyMatcher;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.inject.BodySubstitution;
import dev.keyway.core.inject.CredentialResolver;
import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.inject.InjectionResult;
import dev.keyway.core.inject.Injector;
import dev.keyway.core.inject.TextSubstitution;
import dev.keyway.core.service.Match;
import dev.keyway.core.service.Names;
import dev.keyway.core.service.ValueExpression;
import dev.keyway.proxy.spi.AuthFailure;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.BodyRewriter;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.TokenIndex;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.VaultService;
import dev.keyway.server.aws.AwsSigning;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.proxy.spi.RequestSigner;
import dev.keyway.server.source.LinkedCredentials;
import dev.keyway.server.source.LinkedValues;
import dev.keyway.store.AwsGrantRecord;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.TokenRecord;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyway's proxy policy: authenticates proxy tokens, decides intercept/tunnel/deny per CONNECT, and
 * for each request runs match → decide → inject against the current in-memory {@link Snapshot}.
 * No database I/O and no configuration parsing happen here; credentials are decrypted (AES-GCM)
 * through a short-lived {@link CredentialCache}, so at most once a minute per credential.
 */
public final class KeywayProxyPolicy implements ProxyPolicy {
    private static final Logger log = LoggerFactory.getLogger(KeywayProxyPolicy.class);
    static final String HOWTO = "set HTTPS_PROXY=http://TOKEN:VAULT@HOST:PORT with a token from 'keyway token create --vault VAULT'";

    private final Supplier<Snapshot> snapshot;
    private final VaultService vaults;
    private final Clock clock;
    private final @Nullable AwsSigning aws;
    private final CredentialCache credentials = new CredentialCache(CredentialCache.DEFAULT_TTL_NANOS,
            CredentialCache.DEFAULT_MAX_ENTRIES, System::nanoTime);
    /** Composite values (ValueExpression), evaluated once per change of the credentials they read. */
    private final CompositeValues composites = new CompositeValues(new CredentialCache(CredentialCache.DEFAULT_TTL_NANOS,
            CredentialCache.DEFAULT_MAX_ENTRIES, System::nanoTime));
    /** Service subsets by token id, valid for one snapshot (they depend on nothing else). */
    private volatile AllowedCache allowedCache = new AllowedCache(null, new ConcurrentHashMap<>());

    private record AllowedCache(@Nullable Snapshot snapshot, ConcurrentHashMap<String, Allowed> byToken) {}

    /** The subset a token may use; {@code services} null means all of its vault's services. */
    private record Allowed(@Nullable Set<String> services) {}

    public KeywayProxyPolicy(Supplier<Snapshot> snapshot, VaultService vaults, Clock clock) {
        this(snapshot, vaults, clock, null);
    }

    /** With AWS sign mode: requests to the hosts of a vault's sign-mode AWS grants are re-signed. */
    public KeywayProxyPolicy(Supplier<Snapshot> snapshot, VaultService vaults, Clock clock, @Nullable AwsSigning aws) {
        this(snapshot, vaults, clock, aws, null);
    }

    /** @param onUse called with the token id of every authenticated proxy client (last-use tracking) */
    public KeywayProxyPolicy(Supplier<Snapshot> snapshot, VaultService vaults, Clock clock, @Nullable AwsSigning aws,
            java.util.function.@Nullable Consumer<String> onUse) {
        this(snapshot, vaults, clock, aws, onUse, null);
    }

    /** With credential sources: linked credentials' values come from {@code linked} (issue 10). */
    public KeywayProxyPolicy(Supplier<Snapshot> snapshot, VaultService vaults, Clock clock, @Nullable AwsSigning aws,
            java.util.function.@Nullable Consumer<String> onUse, @Nullable LinkedCredentials linked) {
        this(snapshot, vaults, clock, aws, onUse, linked, null);
    }

    /** With decoy credentials: a request carrying one of the vault's decoys is refused and {@code decoys} raises the alarm. */
    public KeywayProxyPolicy(Supplier<Snapshot> snapshot, VaultService vaults, Clock clock, @Nullable AwsSigning aws,
            java.util.function.@Nullable Consumer<String> onUse, @Nullable LinkedCredentials linked,
            @Nullable DecoyAlarm decoys) {
        this.decoys = decoys;
        this.snapshot = snapshot;
        this.vaults = vaults;
        this.clock = clock;
        this.aws = aws;
        this.onUse = onUse;
        this.linked = linked;
    }

    private final @Nullable LinkedCredentials linked;
    private final @Nullable DecoyAlarm decoys;

    private final java.util.function.@Nullable Consumer<String> onUse;

    @Override
    public AuthResult authenticate(@Nullable String header, InetSocketAddress client) {
        if (header == null || header.isBlank()) {
            return reject(ErrorType.PROXY_AUTH_REQUIRED, "this proxy requires a Keyway token: " + HOWTO, AuthFailure.MISSING, null);
        }
        String token;
        String vaultName = null;
        String h = header.strip();
        if (h.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return reject(ErrorType.PROXY_AUTH_INVALID, "Proxy-Authorization Basic credentials are not valid base64",
                        AuthFailure.MALFORMED, null);
            }
            int colon = decoded.indexOf(':');
            token = colon < 0 ? decoded : decoded.substring(0, colon);
            if (colon >= 0 && colon < decoded.length() - 1) {
                vaultName = decoded.substring(colon + 1);
            }
        } else if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = h.substring(7).strip();
        } else {
            return reject(ErrorType.PROXY_AUTH_INVALID, "unsupported Proxy-Authorization scheme; use Basic (token:vault) or Bearer",
                    AuthFailure.MALFORMED, null);
        }
        Snapshot s = snapshot.get();
        return switch (s.tokens().verify(token, clock.instant())) {
            case TokenIndex.Result.Invalid i -> reject(ErrorType.PROXY_AUTH_INVALID, "proxy " + i.reason().message + "; " + HOWTO,
                    failure(i.reason()), i.tokenId());
            case TokenIndex.Result.Valid v -> {
                if (decoys != null && decoys.burned(v.token().id())) {
                    yield reject(ErrorType.PROXY_AUTH_INVALID, "proxy token revoked (it used a decoy credential); " + HOWTO,
                            AuthFailure.REVOKED, v.token().id());
                }
                if (onUse != null) {
                    onUse.accept(v.token().id());
                }
                yield principal(s, v.token(), vaultName);
            }
        };
    }

    private AuthResult principal(Snapshot s, TokenRecord t, @Nullable String vaultName) {
        Principal p;
        try {
            p = ApiAuth.principal(s, t);
        } catch (KeywayException e) {
            return reject(ErrorType.PROXY_AUTH_INVALID, e.detail(), AuthFailure.REJECTED, t.id());
        }
        VaultRuntime vr;
        switch (t.type()) {
            case "scoped" -> {
                vr = t.vaultId() == null ? null : s.vaultById(t.vaultId()).orElse(null);
                if (vr == null) {
                    return reject(ErrorType.PROXY_AUTH_INVALID, "the token's vault no longer exists", AuthFailure.WRONG_VAULT,
                            t.id());
                }
                if (vaultName != null && !vaultName.equals(vr.vault().name())) {
                    return reject(ErrorType.PROXY_AUTH_INVALID, "this token is bound to vault '" + vr.vault().name()
                            + "', but the proxy URL names vault '" + Names.printable(vaultName) + "'; use http://TOKEN:"
                            + vr.vault().name() + "@HOST:PORT", AuthFailure.WRONG_VAULT, t.id());
                }
            }
            case "admin", "agent" -> {
                if (vaultName == null) {
                    if (p.owner()) {
                        vaultName = "default";
                    } else if (p.grants().size() == 1) {
                        vaultName = s.vaultById(p.grants().keySet().iterator().next()).map(v -> v.vault().name()).orElse("?");
                    } else {
                        return reject(ErrorType.PROXY_AUTH_INVALID, p.actor() + " has " + p.grants().size()
                                + " vaults; name one in the proxy URL: http://TOKEN:VAULT@HOST:PORT", AuthFailure.WRONG_VAULT,
                                t.id());
                    }
                }
                vr = s.vaultByName(vaultName).orElse(null);
                if (vr == null || Access.roleOn(p, vr.vault().id()) == null) {
                    return reject(ErrorType.PROXY_AUTH_INVALID, p.actor() + " has no access to vault '" + Names.printable(vaultName) + "'",
                            AuthFailure.WRONG_VAULT, t.id());
                }
            }
            default -> {
                return reject(ErrorType.PROXY_AUTH_INVALID, "a " + t.type() + " token cannot use the proxy; "
                        + "mint a proxy token with 'keyway token create' (or use 'keyway run')", AuthFailure.NOT_PROXY_TOKEN,
                        t.id());
            }
        }
        return new AuthResult.Authenticated(new ProxyPrincipal(t.id(), p.actor(), vr.vault().id(), vr.vault().name()));
    }

    /**
     * The service subset the principal's token is restricted to, or null for all. A pure function of
     * the snapshot and the token id, so it is computed once per (snapshot, token) and reused.
     */
    private @Nullable Set<String> allowedServices(Snapshot s, ProxyPrincipal pp) {
        AllowedCache c = allowedCache;
        if (c.snapshot() != s) {
            c = new AllowedCache(s, new ConcurrentHashMap<>());
            allowedCache = c;
        }
        Allowed a = c.byToken().get(pp.tokenId());
        if (a == null) {
            a = new Allowed(computeAllowed(s, pp));
            if (c.byToken().size() < 10_000) {
                c.byToken().put(pp.tokenId(), a);
            }
        }
        return a.services();
    }

    private static @Nullable Set<String> computeAllowed(Snapshot s, ProxyPrincipal pp) {
        TokenRecord t = s.tokens().byId(pp.tokenId()).orElse(null);
        if (t == null) {
            return Set.of();
        }
        try {
            Set<String> services = ApiAuth.principal(s, t).services();
            return services == null ? null : Collections.unmodifiableSet(services); // keeps the order error messages show
        } catch (KeywayException e) {
            return Set.of();
        }
    }

    @Override
    public ConnectDecision onConnect(ProxyPrincipal p, String host, int port) {
        Optional<VaultRuntime> vr = snapshot.get().vaultById(p.vaultId());
        if (vr.isEmpty()) {
            return new ConnectDecision.Deny(new ProxyProblem(ErrorType.PROXY_AUTH_INVALID, "the token's vault no longer exists"));
        }
        Set<String> allowed = allowedServices(snapshot.get(), p);
        return switch (RequestDecider.connect(vr.get(), allowed, host, port, awsLookup())) {
            case INTERCEPT_SERVICE, INTERCEPT_AWS, INTERCEPT_UNMATCHED -> new ConnectDecision.Intercept();
            case DENY -> new ConnectDecision.Deny(unmatched(p, host, port));
            case TUNNEL -> new ConnectDecision.Tunnel();
        };
    }

    /** The AWS sign-mode lookup of {@link RequestDecider}, none without AWS signing. */
    private RequestDecider.AwsLookup awsLookup() {
        AwsSigning a = aws;
        return a == null ? RequestDecider.AwsLookup.NONE : a::match;
    }

    @Override
    public RequestDecision onRequest(ProxyPrincipal p, RequestHead head) {
        Snapshot s = snapshot.get();
        VaultRuntime vr = s.vaultById(p.vaultId()).orElse(null);
        if (vr == null) {
            return new RequestDecision.Deny(new ProxyProblem(ErrorType.PROXY_AUTH_INVALID, "the token's vault no longer exists"), null);
        }
        DecoyAlarm alarm = decoys;
        if (alarm != null && !vr.decoys().isEmpty()) {
            // one pass over the head, before any verdict: a decoy is refused wherever it is sent
            Optional<DecoyMatcher.Hit> hit = vr.decoys().scan(head.http());
            if (hit.isPresent()) {
                return new RequestDecision.Deny(alarm.tripped(p, hit.get(), head.method(), head.host(), head.port(), null), null);
            }
        }
        Set<String> allowed = allowedServices(s, p);
        RequestDecider.Verdict verdict = RequestDecider.decide(vr, allowed, head.scheme(), head.host(), head.port(),
                head.method(), head.path(), awsLookup());
        ProxyProblem problem = RequestDecider.problem(verdict, p.actor(), p.vaultName(), head.host(), head.port());
        Match match;
        switch (verdict) {
            case RequestDecider.Verdict.Inject i -> match = i.match();
            case RequestDecider.Verdict.AwsSign a -> {
                Snapshot.AwsRunScope bound = snapshot.get().awsRunScopes().get(p.tokenId());
                AwsSigning signing = java.util.Objects.requireNonNull(aws);
                return signing.forward(p, a.grant(), withoutProxyHeaders(head),
                        bound != null && bound.grantName().equals(a.grant().name()) ? bound.scope() : null);
            }
            case RequestDecider.Verdict.Unmatched u -> {
                if (problem != null) {
                    return new RequestDecision.Deny(problem, null);
                }
                // Unmatched host inside an intercepted tunnel (intercept policy, or plain http): forward as is.
                return new RequestDecision.Forward(withoutProxyHeaders(head), body(null, p, head, vr, null), null, null, List.of());
            }
            case RequestDecider.Verdict.NotGranted ng -> {
                return new RequestDecision.Deny(java.util.Objects.requireNonNull(problem), ng.match().service().name());
            }
            case RequestDecider.Verdict.RuleDenied r -> {
                return new RequestDecision.Deny(java.util.Objects.requireNonNull(problem), r.match().service().name());
            }
            case RequestDecider.Verdict.PlaintextRefused pr -> {
                return new RequestDecision.Deny(java.util.Objects.requireNonNull(problem), pr.match().service().name());
            }
        }
        String service = match.service().name();
        if (match.service().injection() instanceof dev.keyway.core.service.Injection.Hmac
                || match.service().injection() instanceof dev.keyway.core.service.Injection.Jwt) {
            return signed(p, head, vr, match);
        }
        HttpHead in = head.http();
        LinkedUse use = new LinkedUse(p.tokenId());
        InjectionResult r = Injector.apply(match.service(), in, resolver(vr, use));
        if (use.failed != null || !use.pending.isEmpty()) {
            if (r instanceof InjectionResult.Applied a) {
                a.echoes().close(); // not sent: the request waits for the fetch (or is refused)
            }
            return linkedNotReady(p, head, vr, match, use);
        }
        use.audit(linked, p.vaultName(), service, head.host());
        return switch (r) {
            case InjectionResult.Failed f -> new RequestDecision.Deny(
                    new ProxyProblem(f.type(), f.detail(), Map.of("service", service, "vault", p.vaultName())), service);
            case InjectionResult.Applied a -> new RequestDecision.Forward(
                    head.with(a.head()),
                    body(a.body(), p, head, vr, service), ws(a.webSocketText()), service, a.credentialsUsed(), null,
                    echoes(match.service(), a));
        };
    }

    @Override
    public boolean isActive(ProxyPrincipal p) {
        Snapshot s = snapshot.get();
        TokenRecord t = s.tokens().byId(p.tokenId()).orElse(null);
        if (t == null || t.revoked() || (t.expiresAt() != null && !clock.instant().isBefore(t.expiresAt()))
                || (decoys != null && decoys.burned(t.id()))) {
            return false;
        }
        try {
            Principal pr = ApiAuth.principal(s, t);
            return s.vaultById(p.vaultId()).map(v -> Access.roleOn(pr, v.vault().id()) != null).orElse(false);
        } catch (KeywayException e) {
            return false;
        }
    }

    /** Credentials of {@code vr}, and composite values over them through the version-keyed cache. */
    private CredentialResolver resolver(VaultRuntime vr, LinkedUse use) {
        return new CredentialResolver() {
            @Override
            public Optional<byte[]> resolve(String name) {
                return KeywayProxyPolicy.this.resolve(vr, name, use);
            }

            @Override
            public byte[] composite(ValueExpression expression, Supplier<byte[]> evaluate) {
                return composites.get(vr, expression, evaluate);
            }
        };
    }

    /**
     * What the linked credentials of one request resolved to: values served (for the audit), the
     * fetches still pending, or the first failure. Per request, on one thread at a time.
     */
    private static final class LinkedUse {
        /** The request's token: its run's GitHub narrowing (if any) applies to GitHub App credentials. */
        final String tokenId;
        /** The narrowing each narrowed credential was minted with, by name (for the audit). */
        final Map<String, dev.keyway.core.oauth.GitHubNarrowing> narrowed = new java.util.HashMap<>();
        final List<Map.Entry<CredentialRecord, LinkedValues.Hit>> hits = new ArrayList<>();
        final Map<String, LinkedValues.Pending> pending = new java.util.LinkedHashMap<>();
        final Map<String, CredentialRecord> records = new java.util.HashMap<>();
        Map.@Nullable Entry<CredentialRecord, SourceFailure> failed;
        /** Results of fetches this request waited for, by credential name (the signer's second pass). */
        @Nullable Map<String, LinkedValues.Lookup> settled;

        LinkedUse(String tokenId) {
            this.tokenId = tokenId;
        }

        void audit(@Nullable LinkedCredentials lc, String vault, @Nullable String service, String host) {
            if (lc != null) {
                for (Map.Entry<CredentialRecord, LinkedValues.Hit> h : hits) {
                    lc.used(vault, service, host, h.getKey(), h.getValue(), narrowed.get(h.getKey().name()));
                }
            }
        }
    }

    private Optional<byte[]> resolve(VaultRuntime vr, String name, LinkedUse use) {
        CredentialRecord c = vr.credentials().get(name);
        if (c == null || !c.linked()) {
            return resolve(vr, name);
        }
        LinkedCredentials lc = linked;
        if (lc == null) {
            use.failed = Map.entry(c, new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "credential sources are not enabled"));
            return Optional.empty();
        }
        use.records.put(name, c);
        dev.keyway.core.oauth.GitHubNarrowing narrowing = snapshot.get().githubNarrowing(use.tokenId, c.vaultId(), c.name());
        if (narrowing != null) {
            use.narrowed.put(name, narrowing);
        }
        LinkedValues.Lookup l = use.settled != null && use.settled.containsKey(name) ? use.settled.get(name)
                : lc.lookup(c, narrowing);
        switch (l) {
            case LinkedValues.Hit h -> {
                use.hits.add(Map.entry(c, h));
                return Optional.of(h.value()); // the injector owns and wipes it
            }
            case LinkedValues.Pending pd -> use.pending.put(name, pd);
            case LinkedValues.Failed f -> {
                if (use.failed == null) {
                    use.failed = Map.entry(c, f.failure());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A request whose linked credential has no value in memory right now. A failure (or a source
     * still backing off after one) is answered 503 {@code credential-source-unavailable} and
     * nothing is forwarded. A value being fetched is waited for off the event loop through the
     * proxy's {@link RequestSigner} hook, which holds the request until the future completes and
     * writes nothing upstream before: the injection is re-run on the final head with the fetched
     * values, or the request is refused with 503 if the fetch failed. That hook sets the headers and
     * the request target (so a {@code query} injection waits too), on a plain request and on a
     * WebSocket upgrade alike. A {@code substitute} into the body makes the hook see the whole body
     * (buffered up to the proxy's limit, 413 above it) and return the substitution, run over it with
     * the fetched value behind the decoy scan; a {@code substitute} into WebSocket frames gets a
     * frame rewriter that uses the fetched value, which exists before any frame can flow.
     */
    private RequestDecision linkedNotReady(ProxyPrincipal p, RequestHead head, VaultRuntime vr, Match match, LinkedUse use) {
        String service = match.service().name();
        Map<String, Object> extras = Map.of("service", service, "vault", p.vaultName());
        if (use.failed != null) {
            LinkedCredentials lc = linked;
            return new RequestDecision.Deny(new ProxyProblem(lc == null ? ErrorType.CREDENTIAL_SOURCE_UNAVAILABLE
                    : lc.problemType(use.failed.getKey(), use.failed.getValue()),
                    LinkedCredentials.detail(use.failed.getKey(), use.failed.getValue()), extras), service);
        }
        dev.keyway.core.service.Injection inj = match.service().injection();
        // headers and the query (the hook may replace the request target) wait as they are; a body
        // substitution waits on the whole buffered body; frames wait behind the upgrade
        boolean intoBody = inj instanceof dev.keyway.core.service.Injection.Substitute sub
                && sub.surfaces().contains(dev.keyway.core.service.Surface.BODY);
        java.util.concurrent.atomic.AtomicReference<dev.keyway.core.inject.@Nullable TextSubstitution> frames =
                new java.util.concurrent.atomic.AtomicReference<>();
        boolean intoFrames = inj instanceof dev.keyway.core.service.Injection.Substitute sub
                && sub.surfaces().contains(dev.keyway.core.service.Surface.WEBSOCKET) && head.header("Upgrade") != null;
        List<String> names = List.copyOf(inj.credentialNames());
        Map<String, LinkedValues.Pending> waiting = Map.copyOf(use.pending);
        RequestSigner signer = new RequestSigner() {
            @Override
            public boolean needsBody() {
                return intoBody;
            }

            @Override
            public ProxyProblem bodyTooLarge(int max) {
                return new ProxyProblem(ErrorType.PAYLOAD_TOO_LARGE, "service '" + service + "' substitutes a credential"
                        + " into the body, and the credential is being fetched; a body waiting for a first fetch is buffered"
                        + " up to " + max + " bytes and this one is larger, so nothing was forwarded. Retry in a moment"
                        + " (the next request is served from memory and streams)", extras);
            }

            @Override
            public java.util.concurrent.CompletableFuture<RequestSigner.Signed> sign(RequestHead h, byte @Nullable [] body) {
                Map<String, java.util.concurrent.CompletableFuture<LinkedValues.Lookup>> fs = new java.util.LinkedHashMap<>();
                waiting.forEach((n, pd) -> fs.put(n, pd.result()));
                return java.util.concurrent.CompletableFuture.allOf(fs.values().toArray(java.util.concurrent.CompletableFuture[]::new))
                        .thenApply(v -> {
                            LinkedUse second = new LinkedUse(p.tokenId());
                            second.settled = new java.util.HashMap<>();
                            fs.forEach((n, f) -> second.settled.put(n, f.join()));
                            InjectionResult r = Injector.apply(match.service(), h.http(), resolver(vr, second));
                            if (second.failed != null || !second.pending.isEmpty()) {
                                if (r instanceof InjectionResult.Applied a) {
                                    a.echoes().close(); // not sent: the values it holds are wiped
                                }
                                CredentialRecord c = second.failed != null ? second.failed.getKey()
                                        : java.util.Objects.requireNonNull(second.records.get(second.pending.keySet().iterator().next()));
                                SourceFailure sf = second.failed != null ? second.failed.getValue()
                                        : new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the value is still being fetched");
                                LinkedCredentials lc = linked;
                                throw new RequestSigner.Refused(new ProxyProblem(lc == null
                                        ? ErrorType.CREDENTIAL_SOURCE_UNAVAILABLE : lc.problemType(c, sf),
                                        LinkedCredentials.detail(c, sf), extras));
                            }
                            return switch (r) {
                                case InjectionResult.Failed f -> throw new RequestSigner.Refused(
                                        new ProxyProblem(f.type(), f.detail(), extras));
                                case InjectionResult.Applied a -> {
                                    second.audit(linked, p.vaultName(), service, head.host());
                                    String target = a.head().pathAndQuery(); // a query injection changed the target
                                    frames.set(a.webSocketText()); // before the upgrade goes: no frame flows earlier
                                    BodyRewriter rw = intoBody && (a.body() != null || body != null && body.length > 0)
                                            ? body(a.body(), p, head, vr, service) : null;
                                    yield new RequestSigner.Signed(a.head().headers(), rw, echoes(match.service(), a),
                                            target.equals(h.pathAndQuery()) ? null : target);
                                }
                            };
                        });
            }
        };
        dev.keyway.proxy.spi.TextRewriter ws = !intoFrames ? null : text -> {
            dev.keyway.core.inject.TextSubstitution t = frames.get();
            if (t == null) {
                throw new IllegalStateException("no fetched value for the frame substitution"); // closes the socket
            }
            return t.rewrite(text);
        };
        return new RequestDecision.Forward(withoutProxyHeaders(head), intoBody ? null : body(null, p, head, vr, service), ws,
                service, names, signer);
    }

    /**
     * A service that signs each request ({@code inject: hmac} or {@code jwt}): the proxy's signing
     * hook runs the injection on the request exactly as it is sent (its final head and, when the
     * string to sign uses the body, the whole buffered body; larger than the buffer limit: 413, never
     * unsigned), with the time from the clock and a fresh nonce. Linked credentials not yet in memory
     * are waited for first (the same two passes as {@link #linkedNotReady}). The key never leaves
     * Keyway; the audit names the credentials, never a value or the signature.
     */
    private RequestDecision signed(ProxyPrincipal p, RequestHead head, VaultRuntime vr, Match match) {
        dev.keyway.core.service.ServiceDefinition def = match.service();
        String service = def.name();
        Map<String, Object> extras = Map.of("service", service, "vault", p.vaultName());
        String kind = def.injection() instanceof dev.keyway.core.service.Injection.Hmac ? "hmac" : "jwt";
        boolean needsBody = def.injection() instanceof dev.keyway.core.service.Injection.Hmac h && h.stringToSign().needsBody();
        RequestSigner signer = new RequestSigner() {
            @Override
            public boolean needsBody() {
                return needsBody;
            }

            @Override
            public ProxyProblem bodyTooLarge(int max) {
                return new ProxyProblem(ErrorType.PAYLOAD_TOO_LARGE, "service '" + service + "' signs each request over its"
                        + " body (inject." + kind + "), and this body is larger than " + max + " bytes, the most Keyway"
                        + " buffers to sign; nothing was forwarded. Send a smaller body", extras);
            }

            @Override
            public java.util.concurrent.CompletableFuture<RequestSigner.Signed> sign(RequestHead h, byte @Nullable [] body) {
                byte[] bytes = body == null ? new byte[0] : body;
                LinkedUse first = new LinkedUse(p.tokenId());
                Signed done = attempt(first, h, bytes);
                if (done != null) {
                    return java.util.concurrent.CompletableFuture.completedFuture(done);
                }
                Map<String, java.util.concurrent.CompletableFuture<LinkedValues.Lookup>> fs = new java.util.LinkedHashMap<>();
                first.pending.forEach((n, pd) -> fs.put(n, pd.result()));
                return java.util.concurrent.CompletableFuture.allOf(fs.values().toArray(java.util.concurrent.CompletableFuture[]::new))
                        .thenApply(v -> {
                            LinkedUse second = new LinkedUse(p.tokenId());
                            second.settled = new java.util.HashMap<>();
                            fs.forEach((n, f) -> second.settled.put(n, f.join()));
                            Signed s = attempt(second, h, bytes);
                            if (s == null) {
                                throw linkedRefusal(second, extras);
                            }
                            return s;
                        });
            }

            /** The signed request, or null when a linked credential is still being fetched (use.pending). */
            private @Nullable Signed attempt(LinkedUse use, RequestHead h, byte[] body) {
                InjectionResult r = Injector.apply(def, h.http(), resolver(vr, use), new dev.keyway.core.inject.SignContext(
                        authority(h), body, clock.instant(), nonce()));
                if (use.failed != null || !use.pending.isEmpty()) {
                    if (r instanceof InjectionResult.Applied a) {
                        a.echoes().close();
                    }
                    if (use.failed != null) {
                        throw linkedRefusal(use, extras);
                    }
                    return null;
                }
                return switch (r) {
                    case InjectionResult.Failed f -> throw new RequestSigner.Refused(new ProxyProblem(f.type(), f.detail(), extras));
                    case InjectionResult.Applied a -> {
                        use.audit(linked, p.vaultName(), service, head.host());
                        String target = a.head().pathAndQuery();
                        yield new RequestSigner.Signed(a.head().headers(), null, echoes(def, a),
                                target.equals(h.pathAndQuery()) ? null : target);
                    }
                };
            }
        };
        return new RequestDecision.Forward(withoutProxyHeaders(head), needsBody ? null : body(null, p, head, vr, service), null,
                service, List.copyOf(def.injection().credentialNames()), signer);
    }

    /** The refusal for a linked credential that failed, or is still pending after the wait. */
    private RequestSigner.Refused linkedRefusal(LinkedUse use, Map<String, Object> extras) {
        CredentialRecord c = use.failed != null ? use.failed.getKey()
                : java.util.Objects.requireNonNull(use.records.get(use.pending.keySet().iterator().next()));
        SourceFailure sf = use.failed != null ? use.failed.getValue()
                : new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the value is still being fetched");
        LinkedCredentials lc = linked;
        return new RequestSigner.Refused(new ProxyProblem(lc == null ? ErrorType.CREDENTIAL_SOURCE_UNAVAILABLE : lc.problemType(c, sf),
                LinkedCredentials.detail(c, sf), extras));
    }

    /** {@code host[:port]} of the request's target, the port only when not the scheme's default. */
    private static String authority(RequestHead h) {
        boolean dflt = h.port() == ("http".equalsIgnoreCase(h.scheme()) ? 80 : 443);
        return dflt ? h.host() : h.host() + ":" + h.port();
    }

    /** 128 random bits as 32 lower-case hex digits, fresh per signed request. */
    private String nonce() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    private final java.security.SecureRandom random = new java.security.SecureRandom();

    private Optional<byte[]> resolve(VaultRuntime vr, String name) {
        CredentialRecord c = vr.credentials().get(name);
        if (c == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(credentials.get(new CredentialCache.Key(vr.vault().id(), c.name(), c.version()), c.ciphertext(),
                    () -> vaults.decrypt(vr.vault(), c)));
        } catch (RuntimeException e) {
            log.error("credential {} in vault {} cannot be decrypted ({}); not injecting", name, vr.vault().name(), e.getClass().getSimpleName());
            return Optional.empty();
        }
    }

    /**
     * The values to scan this request's response for: the injection's echoes, or none (wiped at
     * once) when the service turned response redaction off ({@code redact_responses: false}).
     */
    private static dev.keyway.core.inject.Redactions echoes(dev.keyway.core.service.ServiceDefinition s,
            InjectionResult.Applied a) {
        if (s.redactResponses()) {
            return a.echoes();
        }
        a.echoes().close();
        return dev.keyway.core.inject.Redactions.none();
    }

    /**
     * The body rewriter: the service's substitution (if any), behind the vault's decoy scan when it
     * has decoys. The scan sees the agent's bytes before substitution; on a hit the substitution's
     * values are wiped and the request is refused ({@link BodyRewriter.Refused}). A body with a
     * rewriter and a Content-Length within the buffer limit is buffered whole before anything goes
     * upstream, so a decoy in it means nothing is forwarded.
     */
    private @Nullable BodyRewriter body(@Nullable BodySubstitution b, ProxyPrincipal p, RequestHead head, VaultRuntime vr,
            @Nullable String service) {
        DecoyAlarm alarm = decoys;
        if (alarm == null || vr.decoys().isEmpty()) {
            return body(b);
        }
        DecoyMatcher.BodyScan scan = vr.decoys().bodyScan();
        return new BodyRewriter() {
            @Override
            public byte[] update(byte[] chunk) {
                Optional<DecoyMatcher.Hit> hit = scan.update(chunk);
                if (hit.isPresent()) {
                    if (b != null) {
                        b.finish(); // wipes the values; its output is dropped
                    }
                    throw new BodyRewriter.Refused(alarm.tripped(p, hit.get(), head.method(), head.host(), head.port(), service));
                }
                return b == null ? chunk : b.update(chunk);
            }

            @Override
            public byte[] finish() {
                return b == null ? new byte[0] : b.finish();
            }
        };
    }

    private static @Nullable BodyRewriter body(@Nullable BodySubstitution b) {
        if (b == null) {
            return null;
        }
        return new BodyRewriter() {
            @Override
            public byte[] update(byte[] chunk) {
                return b.update(chunk);
            }

            @Override
            public byte[] finish() {
                return b.finish();
            }
        };
    }

    private static dev.keyway.proxy.spi.@Nullable TextRewriter ws(@Nullable TextSubstitution t) {
        return t == null ? null : t::rewrite;
    }

    private static RequestHead withoutProxyHeaders(RequestHead head) {
        List<HttpHead.Header> hs = new ArrayList<>();
        for (HttpHead.Header h : head.headers()) {
            if (!dev.keyway.core.inject.ProxyHeaders.isProxyHeader(h.name())) {
                hs.add(h);
            }
        }
        return new RequestHead(head.scheme(), head.host(), head.port(), head.method(), head.pathAndQuery(), hs);
    }

    private static ProxyProblem unmatched(ProxyPrincipal p, String host, int port) {
        return RequestDecider.unmatched(p.vaultName(), host, port);
    }

    private static AuthResult reject(ErrorType t, String detail, AuthFailure reason, @Nullable String tokenId) {
        return new AuthResult.Rejected(new ProxyProblem(t, detail), reason, tokenId);
    }

    /** The audited reason of a token the index did not accept. */
    static AuthFailure failure(TokenIndex.Rejection r) {
        return switch (r) {
            case UNKNOWN -> AuthFailure.UNKNOWN_TOKEN;
            case REVOKED -> AuthFailure.REVOKED;
            case EXPIRED -> AuthFailure.EXPIRED;
        };
    }

}
