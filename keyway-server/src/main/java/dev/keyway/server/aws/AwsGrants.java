package dev.keyway.server.aws;

import dev.keyway.core.aws.AwsCredentials;
import dev.keyway.core.aws.AwsEndpoints;
import dev.keyway.core.aws.AwsHostRule;
import dev.keyway.core.aws.RoleArn;
import dev.keyway.core.aws.SessionDuration;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.server.VaultService;
import dev.keyway.store.AwsGrantRecord;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * AWS grants: validating and storing them (with a grant-time AssumeRole that proves the role can be
 * assumed, failing with advice on what to check), assuming their roles with the right host
 * credentials (the server's chain, or a key pair stored in the vault), and handing out
 * credentials to {@code credential_process} helpers through the shared {@link AssumeRoleCache}.
 */
public final class AwsGrants {
    private static final Logger log = LoggerFactory.getLogger(AwsGrants.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    public static final String CREDENTIAL_PROCESS = "credential-process";
    public static final String SIGN = "sign";
    private static final int MAX_POLICY = 2048;

    private final Store store;
    private final VaultService vaults;
    private final StsClient sts;
    private final HostCredentialChain chain;
    private final AwsAudit audit;
    private final AwsEnv env;
    private final AssumeRoleCache cache;

    /** Linked host credentials (issue 10) are fetched through this; set once at wiring, before use. */
    private volatile dev.keyway.server.source.@Nullable LinkedCredentials linked;

    /** Lets a grant's host credentials ({@code --host-credential PREFIX}) be linked credentials. */
    public AwsGrants withLinked(dev.keyway.server.source.LinkedCredentials l) {
        this.linked = l;
        return this;
    }

    public AwsGrants(Store store, VaultService vaults, AwsEnv env, AwsAudit audit, Executor executor, Clock clock) {
        this.store = store;
        this.vaults = vaults;
        this.env = env;
        this.audit = audit;
        AwsHttp http = new AwsHttp(env);
        this.sts = new StsClient(env, http, clock);
        this.chain = new HostCredentialChain(env, http, sts, clock);
        this.cache = new AssumeRoleCache(this::assumeScoped, executor, clock);
    }

    public AssumeRoleCache cache() {
        return cache;
    }

    /**
     * A grant as the API receives it; null members take defaults (name {@code aws}, region from
     * {@code AWS_REGION} or {@code us-east-1}, 1 hour, credential-process mode, verify).
     */
    public record Input(@Nullable String name, @Nullable String roleArn, @Nullable String region,
            @Nullable String sessionDuration, @Nullable String externalId, @Nullable String sessionPolicy,
            @Nullable String mode, @Nullable List<String> hosts, @Nullable Boolean allowPrivate,
            @Nullable String hostCredential, @Nullable Boolean verify) {}

    /** What the grant-time check found (no secrets). */
    public record Verified(String assumedRoleArn, String account, String expiresAt) {}

    /** Validates, checks (AssumeRole once unless {@code verify} is false) and stores a grant. */
    public AwsGrantRecord put(VaultRecord vault, Input in, String actor, Map<String, Object> result) {
        AwsGrantRecord g = validate(vault, in, actor);
        StsClient.Assumed a = null;
        if (!Boolean.FALSE.equals(in.verify())) {
            a = probe(g);
            result.put("verified", new Verified(a.assumedRoleArn(), RoleArn.parse(g.roleArn()).accountId(),
                    String.valueOf(a.credentials().expiration())));
        }
        AwsGrantRecord stored = store.putAwsGrant(g);
        cache.forget(stored.id());
        if (a != null) {
            cache.seed(stored, a.credentials());
        }
        return stored;
    }

    AwsGrantRecord validate(VaultRecord vault, Input in, String actor) {
        String name = in.name() == null || in.name().isBlank() ? "aws" : in.name().strip();
        if (!Names.isServiceName(name)) {
            throw KeywayException.validation("name", "grant name '" + Names.printable(name)
                    + "' must be lower-case letters, digits, '-', '_' or '.', starting with a letter or digit (at most 63)");
        }
        if (in.roleArn() == null) {
            throw KeywayException.validation("role_arn", "role_arn is required, e.g. arn:aws:iam::123456789012:role/AgentRole");
        }
        RoleArn arn = RoleArn.parse(in.roleArn());
        String region = in.region() != null ? AwsEndpoints.validateRegion(in.region()) : defaultRegion(arn);
        Duration duration = in.sessionDuration() == null ? SessionDuration.DEFAULT : SessionDuration.parse(in.sessionDuration());
        String externalId = in.externalId() == null ? null : externalId(in.externalId());
        String policy = in.sessionPolicy() == null || in.sessionPolicy().isBlank() ? null : policy(in.sessionPolicy());
        String mode = in.mode() == null ? CREDENTIAL_PROCESS : in.mode().strip().toLowerCase(java.util.Locale.ROOT);
        if (!mode.equals(CREDENTIAL_PROCESS) && !mode.equals(SIGN)) {
            throw KeywayException.validation("mode", "mode must be credential-process or sign, not '"
                    + Names.printable(mode) + "'");
        }
        List<String> hosts = new ArrayList<>();
        if (in.hosts() != null) {
            for (String h : in.hosts()) {
                hosts.add(AwsHostRule.parse(h).toString());
            }
        }
        boolean allowPrivate = Boolean.TRUE.equals(in.allowPrivate());
        if (mode.equals(CREDENTIAL_PROCESS) && (!hosts.isEmpty() || allowPrivate)) {
            throw KeywayException.validation("hosts", "hosts and allow_private apply to sign mode only; add mode=sign");
        }
        String hostCredential = in.hostCredential() == null || in.hostCredential().isBlank() ? null : in.hostCredential().strip();
        if (hostCredential != null) {
            if (!Names.isCredentialName(hostCredential)) {
                throw KeywayException.validation("host_credential", "host_credential is the prefix of two vault credentials and must "
                        + "look like a credential name (e.g. AWS_HOST for AWS_HOST_ACCESS_KEY_ID and AWS_HOST_SECRET_ACCESS_KEY)");
            }
            for (String suffix : List.of("_ACCESS_KEY_ID", "_SECRET_ACCESS_KEY")) {
                if (store.credential(vault.id(), hostCredential + suffix).isEmpty()) {
                    throw KeywayException.validation("host_credential", "vault '" + vault.name() + "' has no credential "
                            + hostCredential + suffix + "; store the key pair first ('keyway credential set " + hostCredential
                            + suffix + " --vault " + vault.name() + "')");
                }
            }
        }
        return new AwsGrantRecord("", vault.id(), name, arn.toString(), region, (int) duration.toSeconds(), externalId, policy,
                mode, hosts, allowPrivate, hostCredential, java.time.Instant.EPOCH, actor);
    }

    private String defaultRegion(RoleArn arn) {
        String r = env.region();
        if (r != null && AwsEndpoints.isRegion(r)) {
            return r;
        }
        return switch (arn.partition()) {
            case "aws-cn" -> "cn-north-1";
            case "aws-us-gov" -> "us-gov-west-1";
            default -> "us-east-1";
        };
    }

    private static String externalId(String s) {
        String t = s.strip();
        if (t.length() < 2 || t.length() > 1224 || !t.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128
                || "_+=,.@:/-".indexOf(c) >= 0)) {
            throw KeywayException.validation("external_id", "the external id must be 2 to 1224 characters of letters, digits "
                    + "and _ + = , . @ : / -");
        }
        return t;
    }

    static String policy(String s) {
        String t = s.strip();
        JsonNode n;
        try {
            n = JSON.readTree(t);
        } catch (RuntimeException e) {
            throw KeywayException.validation("session_policy", "the session policy is not valid JSON");
        }
        if (n == null || !n.isObject() || !n.has("Statement")) {
            throw KeywayException.validation("session_policy", "the session policy must be an IAM policy document "
                    + "(a JSON object with Version and Statement)");
        }
        String compact = n.toString();
        if (compact.length() > MAX_POLICY) {
            throw KeywayException.validation("session_policy", "the session policy is " + compact.length()
                    + " characters after removing whitespace; STS allows " + MAX_POLICY);
        }
        return compact;
    }

    /** Grant-time check: one AssumeRole, failures turned into advice. */
    private StsClient.Assumed probe(AwsGrantRecord g) {
        try {
            return assumeRole(g);
        } catch (AwsFailure f) {
            throw advice(g, f);
        }
    }

    private KeywayException advice(AwsGrantRecord g, AwsFailure f) {
        String role = g.roleArn();
        String msg = f.getMessage();
        String source = g.hostCredential() == null ? "the server's AWS credentials" : "the vault credentials "
                + g.hostCredential() + "_ACCESS_KEY_ID/_SECRET_ACCESS_KEY";
        String detail = switch (f.kind()) {
            case NO_HOST_CREDENTIALS -> msg + ". Give the Keyway server AWS credentials (environment, AWS_PROFILE, web identity, "
                    + "container or instance role), or store a key pair in the vault and pass --host-credential PREFIX "
                    + "(credentials PREFIX_ACCESS_KEY_ID and PREFIX_SECRET_ACCESS_KEY).";
            case HOST_CREDENTIALS_REJECTED -> "STS rejected " + source + " (" + msg + "). Check that the key is current (not "
                    + "expired, deleted or deactivated) and complete (a temporary key also needs its session token).";
            case ACCESS_DENIED -> "STS denied AssumeRole of " + role + " (" + msg + "). Check: (1) the role's trust policy lets "
                    + "the principal Keyway calls STS as (" + source + ") perform sts:AssumeRole; (2) "
                    + (g.externalId() == null ? "if the trust policy requires an sts:ExternalId, pass --external-id"
                            : "the external id matches the trust policy's sts:ExternalId condition")
                    + "; (3) that principal's own IAM policy allows sts:AssumeRole on the role.";
            case INVALID_REQUEST -> "STS refused the AssumeRole parameters (" + msg + "). Check the session duration ("
                    + SessionDuration.format(Duration.ofSeconds(g.sessionSeconds())) + " must not exceed the role's maximum "
                    + "session duration, 1h unless raised), the session policy, and that STS is enabled in " + g.region() + ".";
            case UNREACHABLE -> "could not complete AssumeRole (" + msg + "). Check network access to "
                    + sts.endpoint(RoleArn.parse(role).partition(), g.region()) + " (AWS_ENDPOINT_URL_STS overrides it), "
                    + "AWS_CA_BUNDLE or --upstream-ca for a private CA, and --upstream-proxy.";
        };
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("field", "role_arn");
        if (f.awsCode() != null) {
            extras.put("aws_error", f.awsCode());
        }
        ErrorType type = f.kind() == AwsFailure.Kind.UNREACHABLE ? ErrorType.UPSTREAM_UNREACHABLE : ErrorType.VALIDATION;
        return new KeywayException(type, "the role cannot be assumed: " + detail, extras);
    }

    /**
     * Calls STS AssumeRole for a grant (blocking) and audits the call. Throws {@link AwsFailure}
     * with the detail (for the log or the grant-time message).
     */
    AwsCredentials assume(AwsGrantRecord g) {
        return assumeRole(g, null).credentials();
    }

    private AwsCredentials assumeScoped(AwsGrantRecord g, @Nullable RunScope scope) {
        return assumeRole(g, scope).credentials();
    }

    private StsClient.Assumed assumeRole(AwsGrantRecord g) {
        return assumeRole(g, null);
    }

    private StsClient.Assumed assumeRole(AwsGrantRecord g, @Nullable RunScope scope) {
        RoleArn arn = RoleArn.parse(g.roleArn());
        String vaultName = store.vaultById(g.vaultId()).map(VaultRecord::name).orElse(g.vaultId());
        Map<String, @Nullable Object> rec = new LinkedHashMap<>();
        rec.put("vault", vaultName);
        rec.put("grant", g.name());
        rec.put("role_arn", g.roleArn());
        rec.put("account", arn.accountId());
        rec.put("region", g.region());
        rec.put("service", "sts");
        rec.put("operation", "AssumeRole");
        String policy = scope != null && scope.policy() != null ? scope.policy() : g.sessionPolicy();
        if (scope != null) {
            rec.put("run_policy_sha256", scope.policyHash());
            rec.put("session_tags", scope.tags());
        }
        try {
            HostCredentialChain.HostCredentials host = hostCredentials(g);
            rec.put("host_credentials", host.source());
            StsClient.Assumed a = sts.assumeRole(host.credentials(), new StsClient.AssumeRoleCall(g.roleArn(), arn.partition(),
                    g.region(), "keyway." + vaultName + "." + g.name(), Duration.ofSeconds(g.sessionSeconds()), g.externalId(),
                    policy, scope == null ? Map.of() : scope.tags()));
            rec.put("outcome", "ok");
            rec.put("assumed_role_arn", a.assumedRoleArn());
            rec.put("expires_at", String.valueOf(a.credentials().expiration()));
            audit.record("sts.assume_role", rec, false);
            return a;
        } catch (AwsFailure f) {
            rec.put("outcome", "error");
            rec.put("error_code", f.awsCode() == null ? f.kind().name().toLowerCase(java.util.Locale.ROOT) : f.awsCode());
            audit.record("sts.assume_role", rec, false);
            log.warn("AWS grant {} in vault {}: AssumeRole of {} failed: {}", g.name(), vaultName, g.roleArn(), f.getMessage());
            throw f;
        }
    }

    private HostCredentialChain.HostCredentials hostCredentials(AwsGrantRecord g) {
        if (g.hostCredential() == null) {
            return chain.resolve();
        }
        VaultRecord v = store.vaultById(g.vaultId()).orElseThrow(() -> new AwsFailure(AwsFailure.Kind.NO_HOST_CREDENTIALS, null,
                "the grant's vault no longer exists"));
        String id = vaultValue(v, g.hostCredential() + "_ACCESS_KEY_ID");
        String secret = vaultValue(v, g.hostCredential() + "_SECRET_ACCESS_KEY");
        if (id == null || secret == null) {
            throw new AwsFailure(AwsFailure.Kind.NO_HOST_CREDENTIALS, null, "vault '" + v.name() + "' has no credentials "
                    + g.hostCredential() + "_ACCESS_KEY_ID and " + g.hostCredential() + "_SECRET_ACCESS_KEY");
        }
        String token = vaultValue(v, g.hostCredential() + "_SESSION_TOKEN");
        return new HostCredentialChain.HostCredentials(new AwsCredentials(id, secret, token, null),
                "vault credentials " + g.hostCredential() + "_*");
    }

    private @Nullable String vaultValue(VaultRecord v, String name) {
        Optional<CredentialRecord> c = store.credential(v.id(), name);
        if (c.isEmpty()) {
            return null;
        }
        dev.keyway.server.source.LinkedCredentials lc = linked;
        if (c.get().linked() && lc == null) {
            return null;
        }
        byte[] b = c.get().linked() && lc != null ? lc.await(c.get(), java.time.Duration.ofSeconds(30)) : vaults.decrypt(v, c.get());
        try {
            String s = new String(b, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? null : s;
        } finally {
            Arrays.fill(b, (byte) 0);
        }
    }

    /**
     * Credentials for a {@code credential_process} helper. Failures become a generic
     * {@code credential-unavailable} (the STS detail goes to the server log under {@code requestId}).
     */
    public AwsCredentials credentialsFor(AwsGrantRecord g, String vaultName, String requestId) {
        return credentialsFor(g, vaultName, requestId, null);
    }

    /**
     * Like {@link #credentialsFor(AwsGrantRecord, String, String)}, narrowed by a per-run scope (its
     * own AssumeRole session). A run policy is refused when the grant has its own session policy: STS
     * takes one inline policy, and replacing the grant's could widen the session.
     */
    public AwsCredentials credentialsFor(AwsGrantRecord g, String vaultName, String requestId, @Nullable RunScope scope) {
        if (g.mode().equals(SIGN)) {
            throw new KeywayException(ErrorType.FORBIDDEN, "AWS grant '" + g.name() + "' is in sign mode: its credentials never "
                    + "leave Keyway; send AWS requests through the proxy, which signs them");
        }
        return await(g, vaultName, requestId, scope, AssumeRoleCache.Freshness.credentialProcess(
                Duration.ofSeconds(g.sessionSeconds())));
    }

    /**
     * Assumes a sign-mode grant's role once with a per-run scope (cached for the proxy's first
     * signature), so a policy, tags or role STS refuses fail before the run's program starts.
     */
    public void probeRunScope(AwsGrantRecord g, String vaultName, String requestId, RunScope scope) {
        await(g, vaultName, requestId, scope, AssumeRoleCache.Freshness.PROXY);
    }

    private AwsCredentials await(AwsGrantRecord g, String vaultName, String requestId, @Nullable RunScope scope,
            AssumeRoleCache.Freshness freshness) {
        if (scope != null && scope.policy() != null && g.sessionPolicy() != null) {
            throw KeywayException.validation("session_policy", "AWS grant '" + g.name() + "' has its own session policy and STS "
                    + "accepts only one per session; a per-run policy would replace it and could widen access. Put the narrower "
                    + "statements in the grant's policy, or use a grant without a session policy for per-run policies");
        }
        CompletableFuture<AwsCredentials> f = cache.get(g, scope, freshness);
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw unavailable(g, vaultName);
        } catch (ExecutionException | TimeoutException e) {
            f.cancel(false);
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            log.warn("request {}: AWS credentials for grant {} in vault {} unavailable: {}", requestId, g.name(), vaultName,
                    cause.getMessage() == null ? cause.toString() : cause.getMessage());
            throw unavailable(g, vaultName);
        }
    }

    /**
     * Temporary credentials of grant {@code grantName} in vault {@code vaultName} for an
     * {@code aws-secrets-manager}/{@code aws-ssm} credential source ({@code --grant}): the grant's role
     * assumed through its host credentials, from the shared cache, refreshed with less than 5 minutes
     * left like sign mode's (the credentials never leave Keyway, so either mode serves). Blocking: called
     * on a fetch's virtual thread.
     *
     * @throws AwsFailure naming the grant and what failed (no such grant, STS refused, unreachable)
     */
    public AwsCredentials sourceCredentials(String vaultName, String grantName) {
        VaultRecord v = store.vaultByName(vaultName).orElseThrow(() -> new AwsFailure(AwsFailure.Kind.ACCESS_DENIED, null,
                "no vault '" + vaultName + "' for AWS grant '" + grantName + "'"));
        AwsGrantRecord g = store.awsGrant(v.id(), grantName).orElseThrow(() -> new AwsFailure(AwsFailure.Kind.ACCESS_DENIED, null,
                "no AWS grant '" + grantName + "' in vault '" + vaultName + "'"));
        CompletableFuture<AwsCredentials> f = cache.get(g, AssumeRoleCache.Freshness.PROXY);
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, "interrupted assuming the role of AWS grant '" + grantName + "'");
        } catch (ExecutionException | TimeoutException e) {
            f.cancel(false);
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            String what = "assuming " + g.roleArn() + " for AWS grant '" + grantName + "' in vault '" + vaultName + "': ";
            throw cause instanceof AwsFailure a ? new AwsFailure(a.kind(), a.awsCode(), what + a.getMessage())
                    : new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, what + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        }
    }

    private static KeywayException unavailable(AwsGrantRecord g, String vaultName) {
        return new KeywayException(ErrorType.CREDENTIAL_UNAVAILABLE, "AWS credentials for grant '" + g.name() + "' in vault '"
                + vaultName + "' are unavailable right now (the STS call failed); an operator can find the cause in the "
                + "Keyway server log", Map.of("grant", g.name(), "vault", vaultName));
    }

    /** The API view of a grant (no secrets exist in it; the session policy is shown). */
    public static Map<String, Object> view(AwsGrantRecord g, String vaultName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", g.name());
        m.put("vault", vaultName);
        m.put("role_arn", g.roleArn());
        m.put("region", g.region());
        m.put("session_duration", SessionDuration.format(Duration.ofSeconds(g.sessionSeconds())));
        m.put("mode", g.mode());
        if (g.externalId() != null) {
            m.put("external_id", g.externalId());
        }
        if (g.sessionPolicy() != null) {
            m.put("session_policy", g.sessionPolicy());
        }
        if (g.mode().equals(SIGN)) {
            m.put("hosts", g.hosts().isEmpty() ? AwsHostRule.DEFAULTS : g.hosts());
            m.put("allow_private", g.allowPrivate());
        }
        if (g.hostCredential() != null) {
            m.put("host_credential", g.hostCredential());
        }
        m.put("created_at", g.createdAt().toString());
        m.put("created_by", g.createdBy());
        return m;
    }
}
