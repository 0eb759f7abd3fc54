package dev.keyway.server.aws;

import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.aws.AwsAuthorization;
import dev.keyway.core.aws.AwsChunkedResigner;
import dev.keyway.core.aws.AwsCredentials;
import dev.keyway.core.aws.AwsEndpoints;
import dev.keyway.core.aws.AwsHostRule;
import dev.keyway.core.aws.SigV4;
import dev.keyway.core.aws.SigV4Signer;
import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.BodyRewriter;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import dev.keyway.store.AwsGrantRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sign mode in the proxy: requests to the hosts of a vault's sign-mode AWS grant are re-signed
 * with the assumed role's credentials, so the agent only ever holds the placeholder key.
 *
 * <p>Rules:
 * <ul>
 *   <li>A request with a SigV4 {@code Authorization} header is re-signed: the service and region
 *       come from the credential scope the SDK signed for (else from the host name); the agent's
 *       {@code Authorization}, {@code X-Amz-Date} and {@code X-Amz-Security-Token} are replaced;
 *       {@code host}, {@code x-amz-*}, {@code content-type}, {@code content-md5} and
 *       {@code content-encoding} are signed as forwarded.
 *   <li>Payload: the client's {@code x-amz-content-sha256} is kept and signed as is
 *       ({@code UNSIGNED-PAYLOAD}, a hex hash — the body is forwarded unchanged so it stays valid —
 *       or {@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}); for signed aws-chunked uploads
 *       ({@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]}) every chunk signature is re-signed
 *       too. Without that header the body is buffered (up to the proxy's limit) and hashed.
 *   <li>Presigned URLs ({@code X-Amz-Signature} in the query) and unsigned requests pass through
 *       unchanged: Keyway adds no authority the client did not ask for.
 * </ul>
 */
public final class AwsSigning {
    private static final Logger log = LoggerFactory.getLogger(AwsSigning.class);
    private static final int MAX_CHUNK = 16 * 1024 * 1024;

    private final AssumeRoleCache cache;
    private final AwsAudit audit;
    private final Clock clock;

    public AwsSigning(AssumeRoleCache cache, AwsAudit audit, Clock clock) {
        this.cache = cache;
        this.audit = audit;
        this.clock = clock;
    }

    /** The first sign-mode grant (by name) the principal may use whose hosts cover {@code host:port}, or null. */
    public @Nullable AwsGrantRecord match(List<AwsGrantRecord> signGrants, @Nullable Set<String> allowed, String host, int port) {
        for (AwsGrantRecord g : signGrants) {
            if (allowed != null && !allowed.contains(g.name())) {
                continue;
            }
            for (String rule : g.hosts().isEmpty() ? AwsHostRule.DEFAULTS : g.hosts()) {
                if (AwsHostRule.parse(rule).matches(host, port)) {
                    return g;
                }
            }
        }
        return null;
    }

    /** The decision for a request to a grant's host ({@code head} already without proxy headers). */
    public RequestDecision forward(ProxyPrincipal p, AwsGrantRecord g, RequestHead head) {
        return forward(p, g, head, null);
    }

    /**
     * Like {@link #forward(ProxyPrincipal, AwsGrantRecord, RequestHead)}, signing with a session
     * narrowed by the run's {@code runScope} (bound to the principal's token) when not null.
     */
    public RequestDecision forward(ProxyPrincipal p, AwsGrantRecord g, RequestHead head, @Nullable RunScope runScope) {
        String service = "aws:" + g.name();
        String query = query(head.pathAndQuery());
        if (query != null && (query.contains("X-Amz-Signature=") || query.contains("X-Amz-Credential="))) {
            return new RequestDecision.Forward(head, null, null, service, List.of()); // presigned: pass through
        }
        String auth = head.header("authorization");
        if (auth == null || !auth.strip().startsWith(SigV4.ALGORITHM)) {
            return new RequestDecision.Forward(head, null, null, service, List.of()); // anonymous: pass through
        }
        AwsAuthorization a = AwsAuthorization.parse(auth);
        AwsEndpoints.Scope scope = a != null ? new AwsEndpoints.Scope(a.service(), a.region()) : AwsEndpoints.infer(head.host());
        if (scope == null) {
            return new RequestDecision.Deny(new ProxyProblem(ErrorType.MALFORMED_REQUEST, "the request's AWS Authorization header "
                    + "is malformed and " + head.host() + " is not an AWS host name, so Keyway cannot tell which service and "
                    + "region to sign for", Map.of("grant", g.name(), "vault", p.vaultName())), service);
        }
        String sha = head.header("x-amz-content-sha256");
        return new RequestDecision.Forward(head, null, null, service, List.of("aws-grant:" + g.name()),
                new Signer(p, g, scope, sha == null ? null : sha.strip(), runScope));
    }

    private final class Signer implements RequestSigner {
        private final ProxyPrincipal principal;
        private final AwsGrantRecord grant;
        private final AwsEndpoints.Scope scope;
        private final @Nullable String contentSha256;
        private final @Nullable RunScope runScope;

        Signer(ProxyPrincipal principal, AwsGrantRecord grant, AwsEndpoints.Scope scope, @Nullable String contentSha256,
                @Nullable RunScope runScope) {
            this.runScope = runScope;
            this.principal = principal;
            this.grant = grant;
            this.scope = scope;
            this.contentSha256 = contentSha256;
        }

        @Override
        public boolean needsBody() {
            return contentSha256 == null;
        }

        @Override
        public CompletableFuture<Signed> sign(RequestHead head, byte @Nullable [] body) {
            return cache.get(grant, runScope, AssumeRoleCache.Freshness.PROXY).handle((creds, err) -> {
                if (err != null) {
                    Throwable cause = err.getCause() != null && err instanceof java.util.concurrent.CompletionException
                            ? err.getCause() : err;
                    log.warn("AWS grant {} in vault {}: cannot sign {} {}: {}", grant.name(), principal.vaultName(), head.method(),
                            head.host(), cause.getMessage() == null ? cause.toString() : cause.getMessage());
                    throw new Refused(new ProxyProblem(ErrorType.CREDENTIAL_UNAVAILABLE, "AWS credentials for grant '"
                            + grant.name() + "' are unavailable right now, so the request was not signed; an operator can "
                            + "find the cause in the Keyway server log", Map.of("grant", grant.name(), "vault",
                            principal.vaultName())));
                }
                return signWith(creds, head, body);
            });
        }

        private Signed signWith(AwsCredentials creds, RequestHead head, byte @Nullable [] body) {
            List<SigV4Signer.Header> headers = new ArrayList<>(head.headers().size() + 4);
            for (HttpHead.Header h : head.headers()) {
                headers.add(new SigV4Signer.Header(h.name(), h.value()));
            }
            String payload = contentSha256;
            if (payload == null) {
                payload = SigV4.sha256Hex(body == null ? new byte[0] : body);
                if (scope.service().equals("s3")) {
                    headers.add(new SigV4Signer.Header("x-amz-content-sha256", payload));
                }
            }
            SigV4Signer.Signed s = SigV4Signer.sign(new SigV4Signer.Request(head.method(), head.pathAndQuery(), headers, payload),
                    creds, scope.region(), scope.service(), clock.instant(), SigV4Signer.STABLE_HEADERS);
            BodyRewriter rewriter = null;
            if (AwsChunkedResigner.isSignedStreaming(payload)) {
                byte[] key = SigV4.signingKey(creds.secretAccessKey(), s.amzDate().substring(0, 8), scope.region(), scope.service());
                AwsChunkedResigner r = new AwsChunkedResigner(key, s.amzDate(), s.scope(), s.signature(),
                        payload.equals(SigV4.STREAMING_PAYLOAD_TRAILER), MAX_CHUNK);
                Arrays.fill(key, (byte) 0);
                rewriter = new BodyRewriter() {
                    @Override
                    public byte[] update(byte[] chunk) {
                        return r.update(chunk);
                    }

                    @Override
                    public byte[] finish() {
                        return r.finish();
                    }
                };
            }
            List<HttpHead.Header> out = new ArrayList<>(s.headers().size());
            for (SigV4Signer.Header h : s.headers()) {
                out.add(new HttpHead.Header(h.name(), h.value()));
            }
            Map<String, @Nullable Object> rec = new LinkedHashMap<>();
            rec.put("vault", principal.vaultName());
            rec.put("grant", grant.name());
            rec.put("actor", principal.actor());
            rec.put("token_id", principal.tokenId());
            rec.put("role_arn", grant.roleArn());
            rec.put("account", AwsAudit.account(grant.roleArn()));
            rec.put("region", scope.region());
            rec.put("service", scope.service());
            if (runScope != null) {
                rec.put("run_policy_sha256", runScope.policyHash());
                rec.put("session_tags", runScope.tags());
            }
            String operation = AwsEndpoints.operation(scope.service(), head.method(), head.path(), query(head.pathAndQuery()),
                    head.header("x-amz-target"));
            String type = head.header("content-type");
            if (operation == null && body != null && body.length <= 64 * 1024 && type != null
                    && type.startsWith("application/x-www-form-urlencoded")) {
                // Query protocol (STS, IAM, SQS...): the Action is a form field of the body
                operation = AwsEndpoints.operation(scope.service(), head.method(), head.path(),
                        new String(body, java.nio.charset.StandardCharsets.UTF_8), null);
            }
            rec.put("operation", operation);
            rec.put("method", head.method());
            rec.put("host", head.host());
            rec.put("path", head.path().length() > 256 ? head.path().substring(0, 256) : head.path());
            audit.record("sign", rec, false);
            return new Signed(out, rewriter);
        }
    }

    private static @Nullable String query(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? null : pathAndQuery.substring(q + 1);
    }
}
