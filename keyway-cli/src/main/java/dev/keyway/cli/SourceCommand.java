package dev.keyway.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway source ...}: connections to external secret stores that linked credentials fetch
 * from (issue 10). Owner only. Authentication secrets (a Vault or 1Password Connect token, an AppRole secret id) are
 * read from stdin, stored sealed and never shown again.
 */
@Command(name = "source", mixinStandardHelpOptions = true,
        description = {"Credential sources: external secret stores that linked credentials are fetched from (instance owner only).",
            "Types: env, file, exec, hashicorp-vault (also OpenBao), aws-secrets-manager, aws-ssm, 1password-connect, gcp-secret-manager,"
                    + " bitwarden, azure-key-vault. See docs/sources.md."},
        subcommands = {SourceCommand.Add.class, SourceCommand.List_.class, SourceCommand.Show.class, SourceCommand.Test.class,
            SourceCommand.Remove.class})
final class SourceCommand {
    private SourceCommand() {}

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Add (or replace) a source.",
                "hashicorp-vault: --vault-addr URL [--namespace NS] [--ca-file F] [--kv 1|2] and one of --token-file F, --token-stdin,"
                        + " or --approle-role-id ID with --approle-secret-id-file F or --approle-secret-id-stdin,"
                        + " or --kubernetes-role R [--jwt-file F] [--kubernetes-mount M] (Vault's Kubernetes auth, in a pod).",
                "exec: --command PROGRAM --command ARG ... ({ref} in an argument is replaced by the reference; no shell).",
                "aws-secrets-manager, aws-ssm: [--region REGION] [--endpoint URL] [--grant [VAULT/]GRANT]; signed with the server's own AWS"
                        + " credentials (environment, web identity, profile, container, instance metadata), or with the AWS grant's assumed role.",
                "1password-connect: --connect-url URL [--ca-file F] and one of --token-file F or --token-stdin (a Connect access token).",
                "gcp-secret-manager: --credentials-file F (a service-account key file) [--token-url URL], or --metadata (the default"
                        + " without a key file: the metadata server of the VM/GKE/Cloud Run instance, GCE_METADATA_HOST overrides its host)"
                        + " [--endpoint URL].",
                "bitwarden (Secrets Manager): --access-token-file F (a machine account's access token, read here and stored sealed)"
                        + " [--identity-url URL] [--api-url URL] (default the US cloud; EU: https://identity.bitwarden.eu and"
                        + " https://api.bitwarden.eu; self-hosted: https://HOST/identity and https://HOST/api) [--ca-file F]; --ref SECRET_ID.",
                "azure-key-vault: --tenant-id T --client-id C and one of --client-secret-file F (read here, stored sealed) or"
                        + " --federated-token-file F (workload identity, read by the server at each token request)"
                        + " [--authority-host URL] [--vault-suffix vault.azure.net] [--vault-url-template URL]; --ref VAULT/SECRET[/VERSION].",
                "env and file take no options.",
                "Examples:",
                "  keyway source add vault --type hashicorp-vault --vault-addr https://vault.vault.svc:8200 --kubernetes-role keyway",
                "  keyway source add vault --type hashicorp-vault --vault-addr https://vault.example.com:8200 --token-file /etc/keyway/vault-token"
                        + " --token-policy keyway-read --token-period 768h",
                "  keyway source add aws --type aws-secrets-manager --region eu-west-1",
                "  keyway source test aws --ref 'prod/openai#api_key'",
                "  keyway source add params --type aws-ssm --region eu-west-1",
                "  keyway source add prod-secrets --type aws-secrets-manager --region eu-west-1 --grant ops/secrets-reader",
                "  keyway credential link DB_PASSWORD --source params --ref /prod/db/password",
                "  keyway source add op --type 1password-connect --connect-url http://op-connect:8080 --token-stdin < token",
                "  keyway source test op --ref 'op://Production/OpenAI API/credential'",
                "  keyway source add gcp --type gcp-secret-manager --credentials-file /etc/keyway/gcp-key.json",
                "  keyway source test gcp --ref projects/my-project/secrets/openai",
                "  keyway source add gce --type gcp-secret-manager --metadata",
                "  keyway source add bws --type bitwarden --access-token-file ./bws-token",
                "  keyway source test bws --ref be8e0ad8-d545-4017-a55a-b02f014d4158",
                "  keyway source add kv --type azure-key-vault --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47"
                        + " --client-id 00001111-aaaa-2222-bbbb-3333cccc4444 --client-secret-file ./azure-secret",
                "  keyway source test kv --ref my-vault/openai-key"})
    static final class Add implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Source name (a-z, 0-9, '_', '.', '-').") String name;
        @Option(names = "--type", required = true, paramLabel = "TYPE", description = "env, file, exec, hashicorp-vault, aws-secrets-manager, aws-ssm, 1password-connect, gcp-secret-manager, bitwarden or azure-key-vault.") String type;
        @Option(names = "--vault-addr", paramLabel = "URL", description = "Vault address, e.g. https://vault.example.com:8200 (--addr is the Keyway server's own).") String addr;
        @Option(names = "--namespace", paramLabel = "NS", description = "Vault Enterprise namespace.") String namespace;
        @Option(names = "--ca-file", paramLabel = "FILE", description = "PEM CA bundle that signs Vault's (or the 1Password Connect or self-hosted Bitwarden server's) certificate.") String caFile;
        @Option(names = "--kv", paramLabel = "1|2", description = "KV engine version (default 2).") String kv;
        @Option(names = "--token-file", paramLabel = "FILE", description = "Read the Vault or 1Password Connect token from FILE (re-read when it changes).") String tokenFile;
        @Option(names = "--token-stdin", description = "Read a Vault or 1Password Connect token from stdin (stored sealed, never shown).") boolean tokenStdin;
        @Option(names = "--credentials-file", paramLabel = "FILE", description = "gcp-secret-manager: service-account key file (JSON), read by the server.") String credentialsFile;
        @Option(names = "--metadata", description = "gcp-secret-manager: use the metadata server's token (the instance's service account; the default without --credentials-file).") boolean metadata;
        @Option(names = "--token-url", paramLabel = "URL", description = "gcp-secret-manager: OAuth token endpoint (default the key file's token_uri).") String tokenUrl;
        @Option(names = "--connect-url", paramLabel = "URL", description = "1password-connect: the Connect server, e.g. http://op-connect:8080.") String connectUrl;
        @Option(names = "--approle-role-id", paramLabel = "ID", description = "AppRole role id.") String roleId;
        @Option(names = "--approle-secret-id-file", paramLabel = "FILE", description = "AppRole secret id file.") String secretIdFile;
        @Option(names = "--approle-secret-id-stdin", description = "Read the AppRole secret id from stdin (stored sealed).") boolean secretIdStdin;
        @Option(names = "--approle-mount", paramLabel = "PATH", description = "AppRole auth mount (default approle).") String approleMount;
        @Option(names = "--kubernetes-role", paramLabel = "ROLE", description = "hashicorp-vault: log in with Vault's Kubernetes auth method as ROLE.") String kubernetesRole;
        @Option(names = "--jwt-file", paramLabel = "FILE", description = "hashicorp-vault: the service account token, read by the server at each login (default /var/run/secrets/kubernetes.io/serviceaccount/token).") String jwtFile;
        @Option(names = "--kubernetes-mount", paramLabel = "PATH", description = "hashicorp-vault: Kubernetes auth mount (default kubernetes).") String kubernetesMount;
        @Option(names = "--token-policy", paramLabel = "POLICY", description = "hashicorp-vault --token-file: a policy Keyway's token has (repeat; default those of the first token read). A token with others in the file is healed, never renewed.") List<String> tokenPolicies;
        @Option(names = "--token-period", paramLabel = "DURATION", description = "hashicorp-vault --token-file: the period of Keyway's token (default that of the first token read; a healed token gets 768h).") String tokenPeriod;
        @Option(names = "--command", paramLabel = "ARG", description = "exec: one argv element per option; {ref} is replaced.") List<String> command;
        @Option(names = "--timeout", paramLabel = "DURATION", description = "exec: how long the command may run (default 10s).") String timeout;
        @Option(names = "--pass-env", paramLabel = "VAR", description = "exec: an environment variable the command may see.") List<String> passEnv;
        @Option(names = "--grant", paramLabel = "[VAULT/]GRANT", description = "AWS: sign with this AWS grant's assumed role (vault default unless named).") String grant;
        @Option(names = "--region", paramLabel = "REGION", description = "AWS: the region (default AWS_REGION of the server).") String region;
        @Option(names = "--access-token-file", paramLabel = "FILE", description = "bitwarden: the machine account's access token (0.ID.SECRET:KEY), read here and stored sealed.") java.nio.file.Path accessTokenFile;
        @Option(names = "--identity-url", paramLabel = "URL", description = "bitwarden: identity server (default https://identity.bitwarden.com).") String identityUrl;
        @Option(names = "--api-url", paramLabel = "URL", description = "bitwarden: API server (default https://api.bitwarden.com).") String apiUrl;
        @Option(names = "--tenant-id", paramLabel = "TENANT", description = "azure-key-vault: the Entra ID tenant (directory) id or domain.") String tenantId;
        @Option(names = "--client-id", paramLabel = "ID", description = "azure-key-vault: the application (client) id.") String clientId;
        @Option(names = "--client-secret-file", paramLabel = "FILE", description = "azure-key-vault: the client secret, read here and stored sealed.") java.nio.file.Path clientSecretFile;
        @Option(names = "--federated-token-file", paramLabel = "FILE", description = "azure-key-vault: a federated token (e.g. AZURE_FEDERATED_TOKEN_FILE of workload identity), read by the server at each token request.") String federatedTokenFile;
        @Option(names = "--authority-host", paramLabel = "URL", description = "azure-key-vault: Entra ID authority (default https://login.microsoftonline.com).") String authorityHost;
        @Option(names = "--vault-suffix", paramLabel = "SUFFIX", description = "azure-key-vault: Key Vault DNS suffix of the cloud (default vault.azure.net; vault.azure.cn, vault.usgovcloudapi.net).") String vaultSuffix;
        @Option(names = "--vault-url-template", paramLabel = "URL", description = "azure-key-vault: the vault's base URL with {vault} (default https://{vault}.SUFFIX; private endpoints, tests).") String vaultUrlTemplate;
        @Option(names = "--endpoint", paramLabel = "URL", description = "AWS or GCP: endpoint URL (AWS default AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL, else the regional one).") String endpoint;

        @Override
        public void run() {
            Map<String, Object> settings = new LinkedHashMap<>();
            put(settings, "addr", addr);
            put(settings, "namespace", namespace);
            put(settings, "ca_file", caFile);
            put(settings, "kv", kv);
            put(settings, "token_file", tokenFile);
            put(settings, "approle_role_id", roleId);
            put(settings, "approle_secret_id_file", secretIdFile);
            put(settings, "approle_mount", approleMount);
            put(settings, "kubernetes_role", kubernetesRole);
            put(settings, "jwt_file", jwtFile);
            put(settings, "kubernetes_mount", kubernetesMount);
            put(settings, "token_period", tokenPeriod);
            if (tokenPolicies != null && !tokenPolicies.isEmpty()) {
                settings.put("token_policies", tokenPolicies);
            }
            put(settings, "timeout", timeout);
            put(settings, "region", region);
            put(settings, "grant", grant);
            put(settings, "connect_url", connectUrl);
            put(settings, "credentials_file", credentialsFile);
            put(settings, "token_url", tokenUrl);
            if (metadata) {
                settings.put("metadata", "true");
            }
            put(settings, "endpoint", endpoint);
            put(settings, "identity_url", identityUrl);
            put(settings, "api_url", apiUrl);
            put(settings, "tenant_id", tenantId);
            put(settings, "client_id", clientId);
            put(settings, "federated_token_file", federatedTokenFile);
            put(settings, "authority_host", authorityHost);
            put(settings, "vault_suffix", vaultSuffix);
            put(settings, "vault_url_template", vaultUrlTemplate);
            if (command != null && !command.isEmpty()) {
                settings.put("command", command);
            }
            if (passEnv != null && !passEnv.isEmpty()) {
                settings.put("pass_env", passEnv);
            }
            Map<String, String> secrets = new LinkedHashMap<>();
            if (tokenStdin && secretIdStdin) {
                throw new CliException(ExitCodes.USAGE, "only one of --token-stdin and --approle-secret-id-stdin can read stdin");
            }
            if (tokenStdin) {
                secrets.put("token", stdinLine());
            }
            if (secretIdStdin) {
                secrets.put("approle_secret_id", stdinLine());
            }
            if (accessTokenFile != null) {
                secrets.put("access_token", CredentialCommand.OAuth.secretFile(accessTokenFile, "--access-token-file").strip());
            }
            if (clientSecretFile != null) {
                secrets.put("client_secret", CredentialCommand.OAuth.secretFile(clientSecretFile, "--client-secret-file").strip());
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("type", type);
            body.put("settings", settings);
            body.put("secrets", secrets);
            JsonNode s = client.client().post("/v1/sources", body);
            spec.commandLine().getOut().println("Saved source " + s.get("name").asString() + " (" + s.get("type").asString()
                    + "); try it with: keyway source test " + name + " --ref REF");
        }

        private static void put(Map<String, Object> m, String k, String v) {
            if (v != null) {
                m.put(k, v);
            }
        }

        private static String stdinLine() {
            try {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                System.in.transferTo(b);
                String s = b.toString(StandardCharsets.UTF_8).strip();
                if (s.isEmpty()) {
                    throw new CliException(ExitCodes.USAGE, "nothing was read from stdin");
                }
                return s;
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read stdin: " + e.getMessage());
            }
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List sources with their health (never secrets).")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode list = client.client().get("/v1/sources").get("sources");
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), list);
            } else {
                Output.table(spec.commandLine().getOut(), list, "name", "type", "last_success", "last_error", "used_by");
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a source's settings, secret names, health and users.")
    static final class Show implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            Output.json(spec.commandLine().getOut(), client.client().get("/v1/sources/" + Paths.seg(name)));
        }
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = {"Fetch a reference once and print its size and version (never the value), or the precise error."})
    static final class Test implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--ref", required = true, paramLabel = "REF", description = "The reference to fetch, e.g. secret/app#api_key.") String ref;

        @Override
        public void run() {
            JsonNode r = client.client().post("/v1/sources/" + Paths.seg(name) + "/test", Map.of("ref", ref));
            if (!r.get("ok").asBoolean()) {
                throw new CliException(ExitCodes.FAILURE, r.get("detail").asString());
            }
            spec.commandLine().getOut().println("ok (" + r.get("bytes").asInt() + " bytes, version " + r.get("version").asString() + ")");
        }
    }

    @Command(name = "remove", aliases = {"rm", "delete"}, mixinStandardHelpOptions = true,
            description = "Remove a source (refused while linked credentials use it).")
    static final class Remove implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            client.client().delete("/v1/sources/" + Paths.seg(name));
            spec.commandLine().getOut().println("Removed source " + name);
        }
    }
}
