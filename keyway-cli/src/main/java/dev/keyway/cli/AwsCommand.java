package dev.keyway.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/** {@code keyway aws ...}: IAM roles the vault's agents may use, without holding long-term AWS keys. */
@Command(name = "aws", mixinStandardHelpOptions = true,
        description = {"AWS grants: Keyway assumes an IAM role with STS and either hands short-lived credentials to SDKs",
            "(credential-process mode) or signs the agents' AWS requests inside the proxy (sign mode: agents hold no AWS key)."},
        subcommands = {AwsCommand.Grant.class, AwsCommand.Grants.class, AwsCommand.Revoke.class, AwsCommand.CredentialProcess.class})
final class AwsCommand {
    static String base(String vault) {
        return "/v1/vaults/" + Paths.seg(vault) + "/aws/grants";
    }

    @Command(name = "grant", mixinStandardHelpOptions = true,
            description = {"Let the vault's agents use an IAM role. Keyway calls STS AssumeRole once now to prove the role can be",
                "assumed (use --no-verify to skip), then on demand, refreshing before the session expires.",
                "Examples:",
                "  keyway aws grant --vault dev --role arn:aws:iam::123456789012:role/AgentRole --region eu-west-1",
                "  keyway aws grant --vault dev --role arn:aws:iam::123456789012:role/AgentRole --mode sign",
                "  keyway aws grant --vault dev --role ARN --mode sign --host minio.internal:9000 --allow-private"})
    static final class Grant implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin VaultOption vault;
        @Option(names = "--role", required = true, paramLabel = "ARN", description = "Role ARN: arn:aws:iam::ACCOUNT:role/[PATH/]NAME.") String role;
        @Option(names = "--name", defaultValue = "aws", paramLabel = "NAME", description = "Grant name (default aws).") String name;
        @Option(names = "--region", paramLabel = "REGION", description = "STS and default SDK region (default AWS_REGION of the server, else us-east-1).") String region;
        @Option(names = "--session-duration", paramLabel = "DURATION", description = "Session length, 15m to 12h (default 1h).") String duration;
        @Option(names = "--external-id", paramLabel = "ID", description = "ExternalId the role's trust policy requires.") String externalId;
        @Option(names = "--session-policy", paramLabel = "FILE", description = "Inline session policy (JSON file) narrowing the role.") Path policy;
        @Option(names = "--mode", defaultValue = "credential-process", paramLabel = "MODE", description = "credential-process (default) or sign.") String mode;
        @Option(names = "--host", paramLabel = "HOST[:PORT]", description = "Sign mode: extra host to sign for (repeatable; default *.amazonaws.com and *.api.aws).") List<String> hosts = new ArrayList<>();
        @Option(names = "--allow-private", description = "Sign mode: the hosts may be private addresses (VPC endpoints, local stores).") boolean allowPrivate;
        @Option(names = "--host-credential", paramLabel = "PREFIX", description = "Call STS with the vault credentials PREFIX_ACCESS_KEY_ID / PREFIX_SECRET_ACCESS_KEY instead of the server's AWS credentials.") String hostCredential;
        @Option(names = "--no-verify", description = "Do not call AssumeRole now.") boolean noVerify;
        @Mixin JsonOption json;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("role_arn", role);
            put(body, "region", region);
            put(body, "session_duration", duration);
            put(body, "external_id", externalId);
            if (policy != null) {
                try {
                    body.put("session_policy", Files.readString(policy, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new CliException(ExitCodes.USAGE, "cannot read the session policy file " + policy + ": " + e.getMessage());
                }
            }
            body.put("mode", mode);
            if (!hosts.isEmpty()) {
                body.put("hosts", hosts);
            }
            if (allowPrivate) {
                body.put("allow_private", true);
            }
            put(body, "host_credential", hostCredential);
            if (noVerify) {
                body.put("verify", false);
            }
            JsonNode g = client.client().post(base(vault.name()), body);
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), g);
                return;
            }
            var out = spec.commandLine().getOut();
            out.println("Granted " + g.get("role_arn").asString() + " to vault '" + vault.name() + "' as '" + g.get("name").asString()
                    + "' (" + g.get("mode").asString() + ", " + g.get("region").asString() + ", sessions of "
                    + g.get("session_duration").asString() + ").");
            if (g.has("verified")) {
                out.println("Checked: AssumeRole succeeded as " + g.at("/verified/assumed_role_arn").asString() + ".");
            }
            if (g.get("mode").asString().equals("sign")) {
                out.println("Requests to " + String.join(", ", strings(g.get("hosts"))) + " through the proxy are signed by Keyway.");
            } else {
                out.println("SDKs get credentials with: credential_process = keyway aws credential-process --grant "
                        + g.get("name").asString());
            }
            out.flush();
        }
    }

    @Command(name = "grants", mixinStandardHelpOptions = true, description = "List the vault's AWS grants.")
    static final class Grants implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin VaultOption vault;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode r = client.client().get(base(vault.name()));
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), r.get("grants"));
                return;
            }
            Output.table(spec.commandLine().getOut(), r.get("grants"), "name", "role_arn", "region", "session_duration", "mode",
                    "hosts");
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Remove an AWS grant (its cached session is dropped).")
    static final class Revoke implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Grant name.") String name;
        @Mixin VaultOption vault;

        @Override
        public void run() {
            client.client().delete(base(vault.name()) + "/" + Paths.seg(name));
            spec.commandLine().getOut().println("Revoked AWS grant '" + name + "' in vault '" + vault.name() + "'.");
            spec.commandLine().getOut().flush();
        }
    }

    @Command(name = "credential-process", mixinStandardHelpOptions = true,
            description = {"Print short-lived credentials of an AWS grant in the credential_process format (for SDKs; 'keyway run'",
                "configures it). Uses KEYWAY_ADDR, KEYWAY_TOKEN and KEYWAY_VAULT from the environment.",
                "AWS config:  credential_process = keyway aws credential-process --grant aws"})
    static final class CredentialProcess implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--grant", defaultValue = "aws", paramLabel = "NAME", description = "Grant name (default aws).") String grant;
        @Option(names = "--vault", defaultValue = "${env:KEYWAY_VAULT}", paramLabel = "VAULT", description = "Vault (default: KEYWAY_VAULT, else the token's vault).") String vault;
        @Option(names = "--session-policy-file", paramLabel = "FILE", description = "Per-run inline session policy (JSON) narrowing the grant (grants without their own session policy).") Path sessionPolicy;
        @Option(names = "--session-tag", paramLabel = "KEY=VALUE", description = "Per-run session tag (repeatable; the role's trust policy must allow sts:TagSession).") Map<String, String> sessionTags = new java.util.LinkedHashMap<>();

        @Override
        public void run() {
            String json;
            try {
                if (sessionPolicy == null && sessionTags.isEmpty()) {
                    String path = "/v1/aws/credentials?grant=" + Paths.seg(grant) + (vault == null || vault.isBlank() ? "" : "&vault=" + Paths.seg(vault));
                    json = client.client().getText(path);
                } else {
                    Map<String, Object> body = new java.util.LinkedHashMap<>();
                    body.put("grant", grant);
                    put(body, "vault", vault == null || vault.isBlank() ? null : vault);
                    if (sessionPolicy != null) {
                        body.put("session_policy", readPolicy(sessionPolicy));
                    }
                    if (!sessionTags.isEmpty()) {
                        body.put("session_tags", sessionTags);
                    }
                    json = client.client().post("/v1/aws/credentials", body).toString();
                }
            } catch (CliException e) {
                throw new CliException(e.exitCode(), "AWS credential_process for grant '" + grant + "' failed: " + e.getMessage());
            }
            var out = spec.commandLine().getOut();
            out.print(json.strip());
            out.println();
            out.flush();
        }
    }

    private static String readPolicy(Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read the session policy " + file + ": " + e.getMessage());
        }
    }

    private static void put(Map<String, Object> m, String k, @Nullable String v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        if (arr != null) {
            arr.forEach(n -> out.add(n.asString()));
        }
        return out;
    }
}
