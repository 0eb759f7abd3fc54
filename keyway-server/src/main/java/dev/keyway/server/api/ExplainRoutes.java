package dev.keyway.server.api;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Injection;
import dev.keyway.core.service.Match;
import dev.keyway.core.service.Names;
import dev.keyway.core.service.VaultMatcher;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.server.TokenIndex;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.runtime.RequestDecider;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.server.runtime.VaultRuntime;
import dev.keyway.store.AgentRecord;
import dev.keyway.store.TokenRecord;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /v1/vaults/{vault}/explain}: a dry run of the proxy's policy for one request ("what
 * would happen to this URL?"). It reports the CONNECT decision, the candidates the matcher
 * considered in its order, the rule that decided, and the verdict: what would be injected (kinds
 * and credential names, never values; credentials missing from the vault are named), or the
 * problem the agent would receive, word for word, or the unmatched-host policy that applies.
 *
 * <p>The verdict comes from {@link RequestDecider}, the code the proxy itself runs, over the same
 * snapshot, so an explanation cannot disagree with the proxy. Nothing is decrypted and nothing is
 * sent anywhere. Roles: any role on the vault to explain one's own request (a proxy-role agent sees
 * its own services only: the services it is not granted are not named to it), the vault's member
 * role for the whole picture (the same as listing its services: an explanation shows nothing a
 * member cannot already read); explaining for another agent ({@code agent}) needs
 * the admin role, since it reveals that agent's service subset. With {@code token} the request is
 * explained for that proxy token (its service subset), which must be valid for the vault; the token
 * is never echoed.
 */
public final class ExplainRoutes {
    private static final Pattern METHOD = Pattern.compile("^[A-Z][A-Z-]{0,19}$");

    private final Supplier<Snapshot> snapshot;
    private final ApiAuth auth;
    private final Clock clock;
    private final RequestDecider.AwsLookup aws;

    public ExplainRoutes(Supplier<Snapshot> snapshot, ApiAuth auth, Clock clock, RequestDecider.AwsLookup aws) {
        this.snapshot = snapshot;
        this.auth = auth;
        this.clock = clock;
        this.aws = aws;
    }

    public void routes(Router r) {
        r.post("/v1/vaults/{vault}/explain", RouteAccess.AUTHENTICATED, this::explain);
    }

    /** The request body. */
    record Body(@Nullable String url, @Nullable String method, @Nullable String token, @Nullable String agent) {}

    /** The request to explain, parsed from the URL. */
    record Target(String scheme, String host, int port, String path) {}

    /** Who the request is explained for. */
    record Subject(String actor, @Nullable Set<String> allowed) {}

    private ApiResponse explain(ApiRequest req) {
        Principal p = auth.authenticate(req);
        Body body = req.json(Body.class);
        Snapshot s = snapshot.get();
        String vaultName = req.param("vault");
        VaultRuntime vr = s.vaultByName(vaultName).orElseThrow(
                () -> KeywayException.notFound("no vault '" + Names.printable(vaultName) + "'"));
        if (body.token() != null && body.agent() != null) {
            throw KeywayException.validation("agent", "give at most one of 'token' and 'agent'");
        }
        // for another agent: admin; for another token: member; for oneself: any role on the vault (a
        // proxy-role agent may ask what the proxy would do with its own request, and sees no more than
        // its own services: the services it is not granted are not named)
        boolean self = body.agent() == null && body.token() == null;
        Access.require(p, vr.vault().id(), vr.vault().name(),
                body.agent() != null ? VaultRole.ADMIN : self ? VaultRole.PROXY : VaultRole.MEMBER);
        VaultRole role = Access.roleOn(p, vr.vault().id());
        boolean showWithheld = role != null && role.atLeast(VaultRole.MEMBER);
        Target t = target(body.url());
        String method = body.method() == null ? "GET" : body.method();
        if (!METHOD.matcher(method).matches()) {
            throw KeywayException.validation("method", "'" + Names.printable(method) + "' is not an upper-case HTTP method");
        }
        Subject who = subject(s, vr, p, body);
        return ApiResponse.ok(report(vr, who, method, t, showWithheld));
    }

    private Map<String, Object> report(VaultRuntime vr, Subject who, String method, Target t, boolean showWithheld) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("vault", vr.vault().name());
        out.put("actor", who.actor());
        out.put("services_allowed", who.allowed() == null ? null : new TreeSet<>(who.allowed()));
        out.put("request", Map.of("method", method, "scheme", t.scheme(), "host", t.host(), "port", t.port(), "path", t.path()));
        out.put("unmatched_policy", vr.unmatchedPolicy());
        List<VaultMatcher.Candidate> candidates = vr.matcherFor(who.allowed()).candidates(t.host(), t.port(), method, t.path());
        out.put("candidates", candidates.stream().map(ExplainRoutes::candidate).toList());
        out.put("rule", candidates.isEmpty() ? null
                : candidates.size() == 1 ? "the only service for this host"
                : VaultMatcher.decidingRule(candidates.get(0), candidates.get(1)));
        if (who.allowed() != null && showWithheld) {
            List<String> withheld = new ArrayList<>();
            for (VaultMatcher.Candidate c : vr.matcher().candidates(t.host(), t.port(), method, t.path())) {
                if (!who.allowed().contains(c.service().name())) {
                    withheld.add(c.service().name());
                }
            }
            out.put("candidates_not_granted", withheld);
        }
        if (t.scheme().equals("https")) {
            RequestDecider.Connect connect = RequestDecider.connect(vr, who.allowed(), t.host(), t.port(), aws);
            out.put("connect", connect.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            if (connect == RequestDecider.Connect.TUNNEL) {
                out.put("decision", "tunnel");
                out.put("reason", "no service " + (who.allowed() == null ? "" : "granted to " + who.actor() + " ")
                        + "covers " + t.host() + ":" + t.port() + " and vault '" + vr.vault().name()
                        + "' tunnels unmatched hosts: the connection is relayed blind, nothing is inspected or injected");
                return out;
            }
            if (connect == RequestDecider.Connect.DENY) {
                deny(out, RequestDecider.unmatched(vr.vault().name(), t.host(), t.port()), null);
                return out;
            }
        } else {
            out.put("connect", null);
        }
        RequestDecider.Verdict v = RequestDecider.decide(vr, who.allowed(), t.scheme(), t.host(), t.port(), method, t.path(), aws);
        ProxyProblem problem = RequestDecider.problem(v, who.actor(), vr.vault().name(), t.host(), t.port());
        switch (v) {
            case RequestDecider.Verdict.Inject i -> {
                out.put("decision", "inject");
                out.put("service", i.match().service().name());
                out.put("reason", i.match().explain());
                out.put("injection", injection(vr, i.match()));
            }
            case RequestDecider.Verdict.AwsSign a -> {
                out.put("decision", "aws-sign");
                out.put("aws_grant", a.grant().name());
                out.put("reason", "no service covers the host; AWS grant '" + a.grant().name()
                        + "' (sign mode) re-signs requests to it with its role's credentials");
            }
            case RequestDecider.Verdict.Unmatched u -> {
                if (problem != null) {
                    deny(out, problem, null);
                } else {
                    out.put("decision", "forward");
                    out.put("reason", "no service covers this request; vault '" + vr.vault().name() + "' policy '"
                            + u.policy() + "' forwards it as is, nothing injected");
                }
            }
            case RequestDecider.Verdict.NotGranted ng -> deny(out, java.util.Objects.requireNonNull(problem),
                    ng.match().service().name());
            case RequestDecider.Verdict.RuleDenied rd -> deny(out, java.util.Objects.requireNonNull(problem),
                    rd.match().service().name());
            case RequestDecider.Verdict.PlaintextRefused pr -> deny(out, java.util.Objects.requireNonNull(problem),
                    pr.match().service().name());
        }
        out.put("limits", "no per-request approval or rate limit applies to proxied requests in this version");
        return out;
    }

    private static void deny(Map<String, Object> out, ProxyProblem problem, @Nullable String service) {
        out.put("decision", "deny");
        out.put("service", service);
        out.put("status", problem.type().status());
        out.put("error_type", problem.type().slug());
        out.put("detail", problem.detail());
    }

    private static Map<String, Object> candidate(VaultMatcher.Candidate c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service", c.service().name());
        m.put("host", c.service().host());
        m.put("exact_host", c.exactHost());
        m.put("host_has_port", c.hostHasPort());
        m.put("path_prefix", c.pathPrefix());
        m.put("declaration", c.declarationIndex());
        m.put("enabled", c.service().enabled());
        m.put("method_allowed", c.methodAllowed());
        m.put("path_allowed", c.pathAllowed());
        m.put("outcome", c.outcome().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        return m;
    }

    /** What the service would inject: its kind and credential names (never values), and which are missing. */
    private static Map<String, Object> injection(VaultRuntime vr, Match m) {
        Injection i = m.service().injection();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", switch (i) {
            case Injection.None n -> "none";
            case Injection.Bearer b -> "bearer";
            case Injection.Basic b -> "basic";
            case Injection.Headers h -> "header";
            case Injection.Query q -> "query";
            case Injection.Substitute sub -> "substitute";
            case Injection.Hmac h -> "hmac";
            case Injection.Jwt j -> "jwt";
        });
        switch (i) {
            case Injection.Headers h -> out.put("headers", h.headers().stream().map(x -> x.name()).toList());
            case Injection.Query q -> out.put("param", q.param());
            case Injection.Substitute sub -> {
                out.put("placeholder", sub.placeholder());
                out.put("surfaces", sub.surfaces().stream().map(x -> x.name().toLowerCase(Locale.ROOT)).toList());
            }
            case Injection.Hmac h -> {
                out.put("algorithm", "hmac-" + h.algorithm().wireName());
                List<String> outputs = new java.util.ArrayList<>(h.headers().stream().map(x -> x.name()).toList());
                for (String name : new String[] {h.signatureHeader(), h.timestampHeader(), h.nonceHeader()}) {
                    if (name != null) {
                        outputs.add(name);
                    }
                }
                out.put("headers", outputs);
                if (h.signatureQuery() != null) {
                    out.put("param", h.signatureQuery());
                }
            }
            case Injection.Jwt j -> {
                out.put("algorithm", j.algorithm().jose());
                out.put("headers", List.of("Authorization"));
            }
            default -> {}
        }
        out.put("credentials", List.copyOf(i.credentialNames()));
        List<String> missing = i.credentialNames().stream().filter(c -> !vr.credentials().containsKey(c)).toList();
        out.put("missing_credentials", missing);
        if (!missing.isEmpty()) {
            out.put("note", "the request would be refused with 502 credential-unavailable: " + String.join(", ", missing)
                    + " not set in vault '" + vr.vault().name() + "'");
        }
        return out;
    }

    private Subject subject(Snapshot s, VaultRuntime vr, Principal caller, Body body) {
        if (body.agent() != null) {
            AgentRecord a = s.agents().values().stream().filter(x -> x.name().equals(body.agent()) && !x.revoked())
                    .findFirst().orElseThrow(() -> KeywayException.validation("agent", "no agent '"
                            + Names.printable(body.agent()) + "'"));
            if (s.grantsOf(a.id()).get(vr.vault().id()) == null) {
                throw KeywayException.validation("agent", "agent '" + a.name() + "' has no access to vault '"
                        + vr.vault().name() + "'");
            }
            return new Subject("agent:" + a.name(), ApiAuth.services(a.services()));
        }
        if (body.token() != null) {
            TokenRecord t = switch (s.tokens().verify(body.token(), clock.instant())) {
                case TokenIndex.Result.Invalid i -> throw KeywayException.validation("token", "the given "
                        + i.reason().message);
                case TokenIndex.Result.Valid v -> v.token();
            };
            Principal tp = ApiAuth.principal(s, t);
            if (Access.roleOn(tp, vr.vault().id()) == null) {
                throw KeywayException.validation("token", tp.actor() + " has no access to vault '" + vr.vault().name() + "'");
            }
            return new Subject(tp.actor(), tp.services());
        }
        return new Subject(caller.actor(), caller.services());
    }

    private static Target target(@Nullable String url) {
        if (url == null || url.isBlank()) {
            throw KeywayException.validation("url", "'url' is required, e.g. https://api.github.com/repos/o/r");
        }
        if (url.length() > 8192) {
            throw KeywayException.validation("url", "the URL is longer than 8192 characters");
        }
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw KeywayException.validation("url", "not a URL: " + Names.printable(e.getReason()) + " at index " + e.getIndex());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw KeywayException.validation("url", "the URL must start with https:// or http://");
        }
        String host = u.getHost();
        if (host == null || host.isEmpty()) {
            throw KeywayException.validation("url", "the URL has no host");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        return new Target(scheme, host, port, path);
    }
}
