package dev.keyway.server.runtime;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.service.Match;
import dev.keyway.core.service.PlaintextRule;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.store.AwsGrantRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's policy decisions as pure functions of the snapshot: what to do with a CONNECT, and
 * what to do with a request (before any credential is read). {@link KeywayProxyPolicy} acts on
 * these verdicts and {@code keyway explain} reports them, so a dry run can never disagree with what
 * the proxy does: there is one implementation of the decision, not two.
 */
public final class RequestDecider {
    private RequestDecider() {}

    /** Finds the sign-mode AWS grant for a host, or null (see {@code AwsSigning#match}). */
    @FunctionalInterface
    public interface AwsLookup {
        AwsLookup NONE = (grants, allowed, host, port) -> null;

        @Nullable AwsGrantRecord match(List<AwsGrantRecord> grants, @Nullable Set<String> allowed, String host, int port);
    }

    /** What the proxy does with a CONNECT to a host. */
    public enum Connect {
        /** A service covers the host: intercepted (TLS terminated with a Keyway leaf). */
        INTERCEPT_SERVICE,
        /** An AWS grant in sign mode covers the host: intercepted and re-signed. */
        INTERCEPT_AWS,
        /** Unmatched host, vault policy {@code intercept}: intercepted, forwarded as is. */
        INTERCEPT_UNMATCHED,
        /** Unmatched host, vault policy {@code tunnel}: a blind tunnel, nothing inspected or injected. */
        TUNNEL,
        /** Unmatched host, vault policy {@code deny}: answered 403 {@code unmatched-host-denied} inside the tunnel. */
        DENY
    }

    /** The CONNECT decision for {@code host:port} by a principal restricted to {@code allowed} (null: all services). */
    public static Connect connect(VaultRuntime vr, @Nullable Set<String> allowed, String host, int port, AwsLookup aws) {
        if (vr.matcherFor(allowed).hasServiceFor(host, port)) {
            return Connect.INTERCEPT_SERVICE;
        }
        if (aws.match(vr.awsSignGrants(), allowed, host, port) != null) {
            return Connect.INTERCEPT_AWS;
        }
        return switch (vr.unmatchedPolicy()) {
            case "intercept" -> Connect.INTERCEPT_UNMATCHED;
            case "deny" -> Connect.DENY;
            default -> Connect.TUNNEL;
        };
    }

    /** What the proxy does with one request. */
    public sealed interface Verdict {
        /** A service the principal was not given covers the request: 403, nothing injected. */
        record NotGranted(Match match, Set<String> allowed) implements Verdict {}

        /** No service, but a sign-mode AWS grant covers the host: re-signed. */
        record AwsSign(AwsGrantRecord grant) implements Verdict {}

        /** No service: the vault's unmatched-host policy applies ({@code deny} answers 403, else forwarded as is). */
        record Unmatched(String policy) implements Verdict {}

        /** The governing service refuses the method or path, or is disabled. */
        record RuleDenied(Match match) implements Verdict {}

        /** The service allows it, but it carries a credential and the request is plain HTTP. */
        record PlaintextRefused(Match match, String detail) implements Verdict {}

        /** The service allows it: its injection runs and the request is forwarded. */
        record Inject(Match match) implements Verdict {}
    }

    /**
     * The decision for a request (scheme {@code http} or {@code https}) by a principal restricted to
     * {@code allowed} (null: all of the vault's services).
     */
    public static Verdict decide(VaultRuntime vr, @Nullable Set<String> allowed, String scheme, String host, int port,
            String method, String path, AwsLookup aws) {
        Optional<Match> m = vr.matcherFor(allowed).match(host, port, method, path);
        if (allowed != null && (m.isEmpty() || !m.get().allowed())) {
            Optional<Match> any = vr.matcher().match(host, port, method, path);
            if (any.isPresent() && any.get().allowed() && !allowed.contains(any.get().service().name())) {
                return new Verdict.NotGranted(any.get(), allowed);
            }
        }
        if (m.isEmpty()) {
            AwsGrantRecord grant = aws.match(vr.awsSignGrants(), allowed, host, port);
            return grant != null ? new Verdict.AwsSign(grant) : new Verdict.Unmatched(vr.unmatchedPolicy());
        }
        Match match = m.get();
        if (!match.allowed()) {
            return new Verdict.RuleDenied(match);
        }
        String plaintext = PlaintextRule.refusal(match.service(), scheme);
        if (plaintext != null) {
            return new Verdict.PlaintextRefused(match, plaintext);
        }
        return new Verdict.Inject(match);
    }

    /**
     * The problem the proxy answers for a denying verdict (null when the verdict forwards), exactly
     * as the agent receives it.
     */
    public static @Nullable ProxyProblem problem(Verdict v, String actor, String vaultName, String host, int port) {
        return switch (v) {
            case Verdict.NotGranted ng -> {
                String name = ng.match().service().name();
                yield new ProxyProblem(ErrorType.SERVICE_RULE_DENIED,
                        "service '" + name + "' is not granted to " + actor + "; it may use " + ng.allowed()
                                + ". Ask an operator, or propose access (POST /v1/proposals)",
                        Map.of("service", name, "vault", vaultName));
            }
            case Verdict.Unmatched u -> u.policy().equals("deny") ? unmatched(vaultName, host, port) : null;
            case Verdict.RuleDenied r -> {
                ErrorType type = r.match().outcome().errorType();
                yield new ProxyProblem(type == null ? ErrorType.SERVICE_RULE_DENIED : type, r.match().explain(),
                        Map.of("service", r.match().service().name(), "vault", vaultName));
            }
            case Verdict.PlaintextRefused p -> new ProxyProblem(ErrorType.PLAINTEXT_REFUSED, p.detail(),
                    Map.of("service", p.match().service().name(), "vault", vaultName));
            case Verdict.AwsSign a -> null;
            case Verdict.Inject i -> null;
        };
    }

    /** The problem for an unmatched host in a vault that denies them (CONNECT or request). */
    public static ProxyProblem unmatched(String vaultName, String host, int port) {
        return new ProxyProblem(ErrorType.UNMATCHED_HOST_DENIED,
                "no service in vault '" + vaultName + "' matches " + host + ":" + port
                        + " and the vault denies unmatched hosts. Ask an operator to add one "
                        + "('keyway service add NAME --vault " + vaultName + " --host " + host + " ...'), "
                        + "or to change the policy ('keyway vault set-policy " + vaultName + " --unmatched tunnel').",
                Map.of("host", host, "port", port, "vault", vaultName));
    }
}
