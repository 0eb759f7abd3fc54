package dev.keyway.server.source;

import dev.keyway.core.aws.AwsEndpoints;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.time.Durations;
import dev.keyway.server.aws.AwsEnv;
import dev.keyway.server.aws.AwsHttp;
import dev.keyway.server.aws.HostCredentialChain;
import dev.keyway.server.aws.StsClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The source types and their settings: validates a source's settings and secrets (unknown keys
 * refused, by name) and opens the adapter. One place, so the API, {@code source test} and the
 * proxy build sources the same way.
 */
public final class SourceTypes {
    public static final String ENV = "env";
    public static final String FILE = "file";
    public static final String EXEC = "exec";
    public static final String VAULT = "hashicorp-vault";
    public static final String AWS_SECRETS_MANAGER = "aws-secrets-manager";
    public static final String AWS_SSM = "aws-ssm";
    public static final String ONEPASSWORD_CONNECT = "1password-connect";
    public static final String GCP_SECRET_MANAGER = "gcp-secret-manager";
    public static final String BITWARDEN = "bitwarden";
    public static final String AZURE_KEY_VAULT = "azure-key-vault";
    public static final List<String> TYPES = List.of(ENV, FILE, EXEC, VAULT, AWS_SECRETS_MANAGER, AWS_SSM, ONEPASSWORD_CONNECT,
            GCP_SECRET_MANAGER, BITWARDEN, AZURE_KEY_VAULT);

    private static final Map<String, Set<String>> SETTINGS = Map.of(
            ENV, Set.of(),
            FILE, Set.of(),
            EXEC, Set.of("command", "timeout", "pass_env"),
            VAULT, Set.of("addr", "namespace", "ca_file", "kv", "token_file", "approle_role_id", "approle_secret_id_file",
                    "approle_mount", "kubernetes_role", "jwt_file", "kubernetes_mount", "token_policies", "token_period"),
            AWS_SECRETS_MANAGER, Set.of("region", "endpoint", "grant"),
            AWS_SSM, Set.of("region", "endpoint", "grant"),
            ONEPASSWORD_CONNECT, Set.of("connect_url", "token_file", "ca_file"),
            GCP_SECRET_MANAGER, Set.of("credentials_file", "token_url", "endpoint", "metadata"),
            BITWARDEN, Set.of("identity_url", "api_url", "ca_file"),
            AZURE_KEY_VAULT, Set.of("tenant_id", "client_id", "federated_token_file", "authority_host", "vault_suffix",
                    "vault_url_template"));
    private static final Map<String, Set<String>> SECRETS = Map.of(
            ENV, Set.of(), FILE, Set.of(), EXEC, Set.of(), VAULT, Set.of("token", "approle_secret_id"),
            AWS_SECRETS_MANAGER, Set.of(), AWS_SSM, Set.of(), ONEPASSWORD_CONNECT, Set.of("token"),
            GCP_SECRET_MANAGER, Set.of(), BITWARDEN, Set.of("access_token"), AZURE_KEY_VAULT, Set.of("client_secret"));

    /**
     * What an adapter may need from the server.
     *
     * @param aws the environment of Keyway's own AWS calls (host credential chain, endpoint overrides, CA bundle)
     */
    public record Deps(Clock clock, Function<String, @Nullable String> env, AwsEnv aws, AwsGrantCredentials grants,
            VaultMintedTokens vaultMinted) {
        /** Vault sources remember the tokens they mint in memory only. */
        public Deps(Clock clock, Function<String, @Nullable String> env, AwsEnv aws, AwsGrantCredentials grants) {
            this(clock, env, aws, grants, VaultMintedTokens.NONE);
        }

        /** The same, with Vault sources remembering the tokens they mint in {@code minted}. */
        public Deps withVaultMinted(VaultMintedTokens minted) {
            return new Deps(clock, env, aws, grants, minted);
        }

        /** The server process's AWS environment. */
        public Deps(Clock clock, Function<String, @Nullable String> env) {
            this(clock, env, AwsEnv.system(null, null));
        }

        /** Without AWS grants ({@code --grant} fails {@code auth} at fetch). */
        public Deps(Clock clock, Function<String, @Nullable String> env, AwsEnv aws) {
            this(clock, env, aws, AwsGrantCredentials.NONE);
        }
    }

    /**
     * The temporary credentials of an AWS grant (vault, name) for an {@code aws-*} source's
     * {@code --grant}: the server wires {@code AwsGrants.sourceCredentials}, whose cache assumes the
     * grant's role and refreshes it before it expires. Throws {@link dev.keyway.server.aws.AwsFailure}.
     */
    @FunctionalInterface
    public interface AwsGrantCredentials {
        dev.keyway.core.aws.AwsCredentials get(String vault, String grant);

        AwsGrantCredentials NONE = (v, g) -> {
            throw new dev.keyway.server.aws.AwsFailure(dev.keyway.server.aws.AwsFailure.Kind.ACCESS_DENIED, null,
                    "AWS grants are not available to credential sources in this server");
        };
    }

    private SourceTypes() {}

    /** Validates {@code settings} and {@code secrets} for {@code type}; VALIDATION naming the field otherwise. */
    public static void validate(String name, String type, Map<String, Object> settings, Map<String, String> secrets, Deps deps) {
        open(name, type, settings, secrets, deps);
    }

    /** Opens the adapter (validating first). */
    public static SecretSource open(String name, String type, Map<String, Object> settings, Map<String, String> secrets,
            Deps deps) {
        Set<String> allowed = SETTINGS.get(type);
        if (allowed == null) {
            throw KeywayException.validation("type", "unknown source type '" + type + "'; one of " + TYPES);
        }
        for (String k : settings.keySet()) {
            if (!allowed.contains(k)) {
                throw KeywayException.validation("settings." + k, "a " + type + " source has no setting '" + k + "'"
                        + (allowed.isEmpty() ? "" : "; expected " + new java.util.TreeSet<>(allowed)));
            }
        }
        for (String k : secrets.keySet()) {
            if (!SECRETS.getOrDefault(type, Set.of()).contains(k)) {
                throw KeywayException.validation("secrets." + k, "a " + type + " source has no secret '" + k + "'");
            }
        }
        return switch (type) {
            case ENV -> new EnvSource(deps.env());
            case FILE -> new FileSource();
            case EXEC -> {
                List<String> argv = strings(settings, "command");
                if (argv.isEmpty()) {
                    throw KeywayException.validation("settings.command", "an exec source needs --command ARGV...");
                }
                String timeoutText = text(settings, "timeout");
                Duration timeout = timeoutText != null ? Durations.parse("timeout", timeoutText) : ExecSource.DEFAULT_TIMEOUT;
                if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofMinutes(2)) > 0) {
                    throw KeywayException.validation("settings.timeout", "timeout must be between 1s and 2m");
                }
                yield new ExecSource(name, argv, timeout, strings(settings, "pass_env"));
            }
            case VAULT -> vault(name, settings, secrets, deps);
            case AWS_SECRETS_MANAGER -> new AwsSecretsManagerSource(name,
                    aws(settings, deps, "secretsmanager", "secretsmanager", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS Secrets Manager"));
            case AWS_SSM -> new AwsSsmSource(name, aws(settings, deps, "ssm", "AmazonSSM", "AWS_ENDPOINT_URL_SSM", "AWS SSM"));
            case ONEPASSWORD_CONNECT -> onePassword(name, settings, secrets);
            case GCP_SECRET_MANAGER -> gcp(name, settings, deps);
            case BITWARDEN -> bitwarden(name, settings, secrets, deps);
            case AZURE_KEY_VAULT -> azure(name, settings, secrets, deps);
            default -> throw KeywayException.validation("type", "unknown source type '" + type + "'");
        };
    }

    private static SecretSource vault(String name, Map<String, Object> settings, Map<String, String> secrets, Deps deps) {
        String addr = text(settings, "addr");
        if (addr == null) {
            throw KeywayException.validation("settings.addr", "a hashicorp-vault source needs --vault-addr URL");
        }
        URI uri;
        try {
            uri = URI.create(addr.endsWith("/") ? addr.substring(0, addr.length() - 1) : addr);
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("settings.addr", "--vault-addr is not a URL");
        }
        if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw KeywayException.validation("settings.addr", "--vault-addr must be an http(s)://HOST[:PORT] URL");
        }
        String kv = text(settings, "kv");
        int kvVersion = kv == null ? 2 : switch (kv) {
            case "1" -> 1;
            case "2" -> 2;
            default -> throw KeywayException.validation("settings.kv", "--kv is 1 or 2");
        };
        String tokenFile = text(settings, "token_file");
        String roleId = text(settings, "approle_role_id");
        String secretIdFile = text(settings, "approle_secret_id_file");
        String token = secrets.get("token");
        String secretId = secrets.get("approle_secret_id");
        String k8sRole = text(settings, "kubernetes_role");
        int methods = (tokenFile != null ? 1 : 0) + (token != null ? 1 : 0) + (roleId != null ? 1 : 0) + (k8sRole != null ? 1 : 0);
        if (methods != 1) {
            throw KeywayException.validation("settings", "a hashicorp-vault source needs exactly one of --token-file, "
                    + "--token-stdin, --approle-role-id or --kubernetes-role");
        }
        String jwtFile = text(settings, "jwt_file");
        String k8sMount = text(settings, "kubernetes_mount");
        if (k8sRole == null && (jwtFile != null || k8sMount != null)) {
            throw KeywayException.validation(jwtFile != null ? "settings.jwt_file" : "settings.kubernetes_mount",
                    "--jwt-file and --kubernetes-mount go with --kubernetes-role");
        }
        if (k8sMount != null && !AUTH_MOUNT.matcher(k8sMount).matches()) {
            throw KeywayException.validation("settings.kubernetes_mount", "--kubernetes-mount is an auth mount path, e.g. kubernetes or k8s/prod");
        }
        if (roleId != null && (secretIdFile == null) == (secretId == null)) {
            throw KeywayException.validation("settings.approle_secret_id_file",
                    "AppRole needs exactly one of --approle-secret-id-file or --approle-secret-id-stdin");
        }
        String caFile = text(settings, "ca_file");
        String mount = text(settings, "approle_mount");
        List<String> tokenPolicies = strings(settings, "token_policies");
        String tokenPeriodText = text(settings, "token_period");
        if (tokenFile == null && (!tokenPolicies.isEmpty() || tokenPeriodText != null)) {
            throw KeywayException.validation(tokenPeriodText != null ? "settings.token_period" : "settings.token_policies",
                    "--token-policy and --token-period describe the token kept in --token-file");
        }
        for (String p : tokenPolicies) {
            if (!VAULT_POLICY.matcher(p).matches()) {
                throw KeywayException.validation("settings.token_policies", "'" + p + "' is not a Vault policy name");
            }
        }
        Duration tokenPeriod = tokenPeriodText == null ? null : Durations.parse("token_period", tokenPeriodText);
        if (tokenPeriod != null && (tokenPeriod.compareTo(Duration.ofMinutes(1)) < 0 || tokenPeriod.compareTo(Duration.ofDays(365)) > 0)) {
            throw KeywayException.validation("settings.token_period", "--token-period must be between 1m and 365d");
        }
        VaultKvSource.Auth auth = tokenFile != null ? new VaultKvSource.TokenFile(Path.of(tokenFile), tokenPolicies, tokenPeriod)
                : token != null ? new VaultKvSource.StaticToken(token)
                : k8sRole != null ? new VaultKvSource.Kubernetes(k8sMount == null ? VaultKvSource.Kubernetes.DEFAULT_MOUNT : k8sMount,
                        k8sRole, jwtFile == null ? VaultKvSource.Kubernetes.DEFAULT_JWT_FILE : Path.of(jwtFile))
                : new VaultKvSource.AppRole(mount == null ? "approle" : mount, java.util.Objects.requireNonNull(roleId),
                        secretIdFile == null ? null : Path.of(secretIdFile), secretId);
        return new VaultKvSource(name, uri, text(settings, "namespace"), caFile == null ? null : Path.of(caFile), kvVersion,
                auth, deps.clock(), line -> VaultKvSource.LOG.warn("{}", line), deps.vaultMinted());
    }

    /** A Vault auth mount path: segments of letters, digits, '_', '-', '.' (no "..", no query): it goes into the URL path. */
    private static final java.util.regex.Pattern AUTH_MOUNT = java.util.regex.Pattern.compile(
            "[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){0,7}");

    private static final java.util.regex.Pattern VAULT_POLICY = java.util.regex.Pattern.compile("[A-Za-z0-9_.@-]{1,128}");

    private static SecretSource onePassword(String name, Map<String, Object> settings, Map<String, String> secrets) {
        String url = text(settings, "connect_url");
        if (url == null) {
            throw KeywayException.validation("settings.connect_url", "a 1password-connect source needs --connect-url URL");
        }
        URI uri = httpUrl("settings.connect_url", "--connect-url", url);
        String tokenFile = text(settings, "token_file");
        String token = secrets.get("token");
        if ((tokenFile == null) == (token == null)) {
            throw KeywayException.validation("settings", "a 1password-connect source needs exactly one of --token-file or --token-stdin");
        }
        String caFile = text(settings, "ca_file");
        return new OnePasswordConnectSource(name, uri,
                tokenFile != null ? new OnePasswordConnectSource.TokenFile(Path.of(tokenFile))
                        : new OnePasswordConnectSource.StaticToken(java.util.Objects.requireNonNull(token)),
                caFile == null ? null : Path.of(caFile));
    }

    private static SecretSource gcp(String name, Map<String, Object> settings, Deps deps) {
        String keyFile = text(settings, "credentials_file");
        String metadata = text(settings, "metadata");
        if (metadata != null && !metadata.equals("true")) {
            throw KeywayException.validation("settings.metadata", "metadata is \"true\" or absent");
        }
        if (metadata != null && keyFile != null) {
            throw KeywayException.validation("settings.metadata", "a gcp-secret-manager source uses either --credentials-file or --metadata");
        }
        String tokenUrl = text(settings, "token_url");
        if (keyFile == null && tokenUrl != null) {
            throw KeywayException.validation("settings.token_url", "--token-url goes with --credentials-file (the metadata server mints its own)");
        }
        String endpoint = text(settings, "endpoint");
        String metadataHost = deps.env().apply("GCE_METADATA_HOST");
        if (metadataHost == null || metadataHost.isBlank()) {
            metadataHost = GcpSecretManagerSource.METADATA_HOST;
        } else if (!METADATA_HOST.matcher(metadataHost).matches()) {
            throw KeywayException.validation("settings.metadata", "the server's GCE_METADATA_HOST must be HOST[:PORT]");
        }
        return new GcpSecretManagerSource(name, keyFile == null ? null : Path.of(keyFile), metadataHost,
                tokenUrl == null ? null : httpUrl("settings.token_url", "--token-url", tokenUrl),
                endpoint == null ? URI.create(GcpSecretManagerSource.DEFAULT_ENDPOINT) : httpUrl("settings.endpoint", "--endpoint", endpoint),
                deps.clock());
    }

    private static final java.util.regex.Pattern METADATA_HOST = java.util.regex.Pattern.compile(
            "[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?");

    private static SecretSource bitwarden(String name, Map<String, Object> settings, Map<String, String> secrets, Deps deps) {
        String token = secrets.get("access_token");
        if (token == null || token.isBlank()) {
            throw KeywayException.validation("secrets.access_token",
                    "a bitwarden source needs --access-token-file F (a machine account's access token)");
        }
        String identity = text(settings, "identity_url");
        String api = text(settings, "api_url");
        String caFile = text(settings, "ca_file");
        try {
            return new BitwardenSource(name,
                    httpUrl("settings.identity_url", "--identity-url", identity == null ? BitwardenSource.DEFAULT_IDENTITY_URL : identity),
                    httpUrl("settings.api_url", "--api-url", api == null ? BitwardenSource.DEFAULT_API_URL : api),
                    token.strip(), caFile == null ? null : Path.of(caFile), deps.clock());
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("secrets.access_token", "not a Secrets Manager access token: " + e.getMessage());
        }
    }

    private static final java.util.regex.Pattern AZURE_ID = java.util.regex.Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final java.util.regex.Pattern AZURE_TENANT = java.util.regex.Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63}){1,8}");
    private static final java.util.regex.Pattern DNS_SUFFIX = java.util.regex.Pattern.compile(
            "[a-z0-9-]{1,63}(\\.[a-z0-9-]{1,63}){1,8}");

    private static SecretSource azure(String name, Map<String, Object> settings, Map<String, String> secrets, Deps deps) {
        String tenant = text(settings, "tenant_id");
        if (tenant == null || !AZURE_TENANT.matcher(tenant).matches()) {
            throw KeywayException.validation("settings.tenant_id",
                    "an azure-key-vault source needs --tenant-id (the directory's id, a UUID, or its domain, e.g. contoso.onmicrosoft.com)");
        }
        String clientId = text(settings, "client_id");
        if (clientId == null || !AZURE_ID.matcher(clientId).matches()) {
            throw KeywayException.validation("settings.client_id",
                    "an azure-key-vault source needs --client-id (the application's client id, a UUID)");
        }
        String federated = text(settings, "federated_token_file");
        String secret = secrets.get("client_secret");
        if ((federated == null) == (secret == null || secret.isBlank())) {
            throw KeywayException.validation("settings", "an azure-key-vault source needs exactly one of --client-secret-file or "
                    + "--federated-token-file");
        }
        String authority = text(settings, "authority_host");
        String suffix = text(settings, "vault_suffix");
        if (suffix == null) {
            suffix = AzureKeyVaultSource.DEFAULT_SUFFIX;
        } else if (!DNS_SUFFIX.matcher(suffix).matches()) {
            throw KeywayException.validation("settings.vault_suffix",
                    "--vault-suffix is a DNS suffix, e.g. vault.azure.net, vault.azure.cn or vault.usgovcloudapi.net");
        }
        String template = text(settings, "vault_url_template");
        if (template != null) {
            if (!template.contains("{vault}")) {
                throw KeywayException.validation("settings.vault_url_template", "--vault-url-template must contain {vault}");
            }
            httpUrl("settings.vault_url_template", "--vault-url-template", template.replace("{vault}", "vault"));
            if (template.endsWith("/")) {
                template = template.substring(0, template.length() - 1);
            }
        } else {
            template = "https://{vault}." + suffix;
        }
        return new AzureKeyVaultSource(name, tenant, clientId,
                federated != null ? new AzureKeyVaultSource.FederatedTokenFile(Path.of(federated))
                        : new AzureKeyVaultSource.ClientSecret(java.util.Objects.requireNonNull(secret).strip()),
                httpUrl("settings.authority_host", "--authority-host", authority == null ? AzureKeyVaultSource.DEFAULT_AUTHORITY : authority),
                suffix, template, deps.clock());
    }

    /** An http(s)://HOST[:PORT][/PATH] URL without query, fragment or trailing slash; VALIDATION naming the field otherwise. */
    private static URI httpUrl(String field, String option, String url) {
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation(field, option + " is not a URL");
        }
        if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw KeywayException.validation(field, option + " must be an http(s)://HOST[:PORT] URL");
        }
        return uri;
    }

    /**
     * An AWS JSON 1.1 client for a source: region from {@code --region} or the server's
     * {@code AWS_REGION}/{@code AWS_DEFAULT_REGION}; endpoint from {@code --endpoint}, else the
     * service's {@code AWS_ENDPOINT_URL_*} variable, else {@code AWS_ENDPOINT_URL}, else the regional
     * one (the AWS SDKs' order); credentials from the server's host credential chain.
     */
    private static AwsJsonApi aws(Map<String, Object> settings, Deps deps, String signingName, String targetPrefix,
            String endpointVar, String service) {
        String region = text(settings, "region");
        if (region == null) {
            region = deps.aws().region();
        }
        if (region == null || !AwsEndpoints.isRegion(region)) {
            throw KeywayException.validation("settings.region", "an AWS source needs --region REGION (e.g. us-east-1) "
                    + "or AWS_REGION in the server's environment");
        }
        String endpoint = text(settings, "endpoint");
        if (endpoint != null) {
            URI u;
            try {
                u = URI.create(endpoint);
            } catch (IllegalArgumentException e) {
                throw KeywayException.validation("settings.endpoint", "--endpoint is not a URL");
            }
            if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme())) || u.getHost() == null
                    || u.getRawQuery() != null || u.getRawFragment() != null) {
                throw KeywayException.validation("settings.endpoint", "--endpoint must be an http(s)://HOST[:PORT] URL");
            }
        } else {
            endpoint = deps.aws().get(endpointVar);
            if (endpoint == null) {
                endpoint = deps.aws().get("AWS_ENDPOINT_URL");
            }
        }
        AwsHttp http = new AwsHttp(deps.aws());
        String grant = text(settings, "grant");
        java.util.function.Supplier<dev.keyway.core.aws.AwsCredentials> credentials;
        if (grant != null) {
            java.util.regex.Matcher m = GRANT.matcher(grant);
            if (!m.matches()) {
                throw KeywayException.validation("settings.grant", "--grant is an AWS grant's NAME (in vault default) or VAULT/NAME");
            }
            String vault = m.group(1) == null ? "default" : m.group(1);
            String name = m.group(2);
            AwsGrantCredentials grants = deps.grants();
            credentials = () -> grants.get(vault, name);
        } else {
            HostCredentialChain chain = new HostCredentialChain(deps.aws(), http, new StsClient(deps.aws(), http, deps.clock()),
                    deps.clock());
            credentials = () -> chain.resolve().credentials();
        }
        URI uri;
        try {
            uri = AwsJsonApi.endpoint(endpoint, signingName, region);
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("settings.endpoint", "the endpoint from " + endpointVar
                    + " or AWS_ENDPOINT_URL is not a URL; set --endpoint");
        }
        return new AwsJsonApi(service, signingName, targetPrefix, uri, region, credentials, http, deps.clock());
    }

    /** {@code [VAULT/]NAME} of an AWS grant (names as the API allows them). */
    private static final java.util.regex.Pattern GRANT = java.util.regex.Pattern.compile(
            "(?:([a-z0-9][a-z0-9_.-]{0,63})/)?([A-Za-z0-9][A-Za-z0-9_.-]{0,63})");

    static @Nullable String text(Map<String, Object> settings, String key) {
        Object v = settings.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s) || s.isBlank() || s.length() > 4096 || s.chars().anyMatch(Character::isISOControl)) {
            throw KeywayException.validation("settings." + key, key + " must be a non-empty string without control characters");
        }
        return s;
    }

    static List<String> strings(Map<String, Object> settings, String key) {
        Object v = settings.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l) || l.size() > 64) {
            throw KeywayException.validation("settings." + key, key + " must be a list of at most 64 strings");
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s) || s.length() > 4096 || s.indexOf('\0') >= 0) {
                throw KeywayException.validation("settings." + key, key + " must be a list of strings");
            }
            out.add(s);
        }
        return out;
    }
}
