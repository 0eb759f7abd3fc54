package dev.keyway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * A one-line summary and at least one example for every command's help. They live in one table so
 * they read alike and so {@code CliUsageTest} can hold every command in the tree to it: a command
 * without a summary ending in a full stop, or without an example (here or in its own description),
 * fails the build. Examples are appended to the footer; commands whose description continues over
 * several lines get a {@code header} so the parent's command list shows a complete sentence.
 */
final class HelpExamples {
    private HelpExamples() {}

    /** Summaries for commands whose description's first line is not a whole sentence. */
    static final Map<String, String> SUMMARIES = Map.of(
            "aws", "AWS grants: Keyway assumes an IAM role and hands out short-lived credentials or re-signs requests.",
            "aws credential-process", "Print short-lived credentials of an AWS grant in the credential_process format.",
            "discover", "Show what the current token may use: vault, services, env vars and placeholders.",
            "explain", "Explain what the proxy would do with a request (dry run of its own decision code).",
            "mcp", "Serve the Model Context Protocol on stdio for an agent CLI (discover, explain, propose).",
            "master-key rotate", "Rotate the master key on the running server.",
            "help", "Show the help of a command.",
            "aws grant", "Let the vault's agents use an IAM role (checked once now with STS AssumeRole).",
            "token keep", "Keep a machine's periodic token file alive by renewing it.",
            "run", "Run a program with its HTTP(S) traffic going through Keyway, holding placeholders instead of keys.");

    /** Examples by command path (without the leading "keyway"). */
    static final Map<String, List<String>> EXAMPLES = Map.ofEntries(
            Map.entry("", List.of("keyway server", "keyway service add openai --template openai", "keyway run -- claude")),
            Map.entry("server", List.of("keyway server", "keyway server --data-dir /srv/keyway --api-addr 0.0.0.0:9790 --proxy-addr 0.0.0.0:9791",
                    "KEYWAY_DATABASE_URL=postgresql://keyway:PASS@db:5432/keyway keyway server --node-name web-1")),
            Map.entry("db migrate", List.of("keyway db migrate --from ~/.keyway --to postgresql://keyway:PASS@db:5432/keyway --dry-run")),
            Map.entry("setup", List.of("keyway setup --email owner@example.com")),
            Map.entry("login", List.of("keyway login --email me@example.com", "printf '%s' \"$PW\" | keyway login --email me@example.com --password-stdin")),
            Map.entry("logout", List.of("keyway logout")),
            Map.entry("whoami", List.of("keyway whoami", "keyway whoami --json")),
            Map.entry("vault", List.of("keyway vault create team-a --unmatched deny", "keyway vault list")),
            Map.entry("vault create", List.of("keyway vault create team-a", "keyway vault create ci --unmatched deny")),
            Map.entry("vault list", List.of("keyway vault list", "keyway vault list --json")),
            Map.entry("vault show", List.of("keyway vault show default")),
            Map.entry("vault delete", List.of("keyway vault delete team-a")),
            Map.entry("vault set-policy", List.of("keyway vault set-policy default --unmatched deny")),
            Map.entry("vault member", List.of("keyway vault member add default --user dev@example.com --role member")),
            Map.entry("vault member list", List.of("keyway vault member list default")),
            Map.entry("vault member add", List.of("keyway vault member add default --user dev@example.com --role member",
                    "keyway vault member add default --agent claude --role proxy")),
            Map.entry("vault member remove", List.of("keyway vault member remove default dev@example.com")),
            Map.entry("credential", List.of("printf '%s' \"$KEY\" | keyway credential set OPENAI_API_KEY", "keyway credential list")),
            Map.entry("credential set", List.of("printf '%s' \"$KEY\" | keyway credential set OPENAI_API_KEY",
                    "keyway credential set GITHUB_TOKEN --from-file ./token.txt --description 'read-only PAT'")),
            Map.entry("credential list", List.of("keyway credential list --vault default")),
            Map.entry("credential link", List.of("keyway credential link OPENAI_API_KEY --source vault --ref secret/app#openai",
                    "keyway credential link DB_PASSWORD --vault ci --source vault --ref kv/db#password?version=3 --ttl 1m --max-stale 10m")),
            Map.entry("source", List.of("keyway source add vault --type hashicorp-vault --vault-addr https://vault.example.com:8200"
                    + " --token-file ~/.vault-token", "keyway source list")),
            Map.entry("source add", List.of("keyway source add vault --type hashicorp-vault --vault-addr https://vault.example.com:8200"
                    + " --approle-role-id 0f1e... --approle-secret-id-file /etc/keyway/secret-id",
                    "keyway source add vault --type hashicorp-vault --vault-addr https://vault.vault.svc:8200 --kubernetes-role keyway",
                    "keyway source add op --type exec --command op --command read --command 'op://{ref}'",
                    "keyway source add bws --type bitwarden --access-token-file ./bws-token",
                    "keyway source add kv --type azure-key-vault --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47"
                            + " --client-id 00001111-aaaa-2222-bbbb-3333cccc4444 --federated-token-file /var/run/secrets/azure/tokens/azure-identity-token",
                    "keyway source add env --type env")),
            Map.entry("source list", List.of("keyway source list", "keyway source list --json")),
            Map.entry("source show", List.of("keyway source show vault")),
            Map.entry("source test", List.of("keyway source test vault --ref secret/app#api_key")),
            Map.entry("source remove", List.of("keyway source remove vault")),
            Map.entry("oauth", List.of("keyway oauth authorize GOOGLE_TOKEN --template google --client-id ID.apps.googleusercontent.com"
                    + " --client-secret-file ./client-secret --scope https://www.googleapis.com/auth/drive.readonly")),
            Map.entry("oauth authorize", List.of(
                    "keyway oauth authorize GOOGLE_TOKEN --template google --client-id ID.apps.googleusercontent.com"
                            + " --client-secret-file ./client-secret --scope https://www.googleapis.com/auth/drive.readonly",
                    "keyway oauth authorize GH_USER_TOKEN --template github --client-id Iv23li0123 --client-secret-file ./secret",
                    "keyway oauth authorize API_TOKEN --vault ci --authorize-url https://auth.example.com/authorize"
                            + " --token-url https://auth.example.com/token --client-id cli --scope offline_access --no-browser --timeout 10m")),
            Map.entry("credential oauth", List.of(
                    "keyway credential oauth GITHUB_TOKEN --grant refresh_token --token-url https://github.com/login/oauth/access_token"
                            + " --client-id Iv1.0123 --client-secret-file ./client-secret --refresh-token-file ./refresh-token",
                    "keyway credential oauth API_TOKEN --vault ci --grant client_credentials --token-url https://auth.example.com/oauth/token"
                            + " --client-id keyway --client-secret-file ./secret --scope read:api --audience https://api.example.com --auth-method post",
                    "keyway credential oauth GH_APP_TOKEN --grant github-app --app-id 12345 --installation-id 6789"
                            + " --private-key-file ./my-app.private-key.pem",
                    "keyway credential oauth GCP_TOKEN --grant google-service-account --key-file ./sa-key.json"
                            + " --scope https://www.googleapis.com/auth/cloud-platform",
                    "keyway credential oauth API_TOKEN --grant client_credentials --token-url https://auth.example.com/oauth/token"
                            + " --client-id keyway --auth-method private_key_jwt --client-key-file ./client-key.pem --client-key-alg ES256")),
            Map.entry("credential show", List.of("keyway credential show GITHUB_TOKEN")),
            Map.entry("credential reveal", List.of("keyway credential reveal OPENAI_API_KEY")),
            Map.entry("credential delete", List.of("keyway credential delete OPENAI_API_KEY")),
            Map.entry("credential decoy", List.of("keyway credential decoy OPENAI_ADMIN_KEY --like openai --revoke-on-use",
                    "keyway credential decoy BACKUP_DB_PASSWORD --vault ci")),
            Map.entry("service", List.of("keyway service add openai --template openai", "keyway service list")),
            Map.entry("service list", List.of("keyway service list", "keyway service list --json > services.json")),
            Map.entry("service show", List.of("keyway service show openai")),
            Map.entry("service remove", List.of("keyway service remove openai")),
            Map.entry("service enable", List.of("keyway service enable openai")),
            Map.entry("service disable", List.of("keyway service disable openai")),
            Map.entry("service templates", List.of("keyway service templates", "keyway service templates --json")),
            Map.entry("aws", List.of("keyway aws grant --vault default --role arn:aws:iam::123456789012:role/Agent")),
            Map.entry("aws grant", List.of("keyway aws grant --vault default --role arn:aws:iam::123456789012:role/Agent",
                    "keyway aws grant --vault default --role arn:aws:iam::123456789012:role/Agent --mode sign")),
            Map.entry("aws grants", List.of("keyway aws grants --vault default")),
            Map.entry("aws revoke", List.of("keyway aws revoke agent --vault default")),
            Map.entry("aws credential-process", List.of("keyway aws credential-process --grant agent --vault default")),
            Map.entry("token", List.of("keyway token create --vault default --ttl 8h", "keyway token list")),
            Map.entry("token create", List.of("keyway token create --vault default --ttl 8h",
                    "keyway token create --vault default --services openai --display-name ci --json")),
            Map.entry("token lookup", List.of("keyway token lookup", "keyway token lookup --accessor acc_...")),
            Map.entry("token renew", List.of("keyway token renew", "keyway token renew --accessor acc_... --increment 1h")),
            Map.entry("token revoke", List.of("keyway token revoke --accessor acc_...", "keyway token revoke kw_tok_...")),
            Map.entry("token keep", List.of("keyway token keep --token-file /run/keyway/token --period 1h --watch")),
            Map.entry("agent", List.of("keyway agent create claude --vault default:proxy --services openai", "keyway agent list")),
            Map.entry("agent list", List.of("keyway agent list", "keyway agent list --json")),
            Map.entry("agent show", List.of("keyway agent show claude")),
            Map.entry("agent rotate", List.of("keyway agent rotate claude", "keyway agent rotate claude --period 768h")),
            Map.entry("agent revoke", List.of("keyway agent revoke claude")),
            Map.entry("agent delete", List.of("keyway agent delete claude")),
            Map.entry("user", List.of("keyway user add dev@example.com", "keyway user list")),
            Map.entry("user add", List.of("keyway user add dev@example.com", "keyway user add admin@example.com --role owner")),
            Map.entry("user list", List.of("keyway user list")),
            Map.entry("user disable", List.of("keyway user disable dev@example.com")),
            Map.entry("user enable", List.of("keyway user enable dev@example.com")),
            Map.entry("discover", List.of("keyway discover", "KEYWAY_VAULT=team-a keyway discover --json")),
            Map.entry("mcp", List.of("keyway run -- claude   # with a keyway entry in .mcp.json (see above)",
                    "KEYWAY_TOKEN=\"$(keyway agent create helper --vault default:member)\" keyway mcp")),
            Map.entry("explain", List.of("keyway explain https://api.github.com/repos/o/r/issues --method POST",
                    "keyway explain https://api.openai.com/v1/models --agent claude --vault team-a --json")),
            Map.entry("run", List.of("keyway run -- claude", "keyway run --services openai -- curl https://api.openai.com/v1/models")),
            Map.entry("ca", List.of("keyway ca export -o keyway-ca.pem")),
            Map.entry("ca export", List.of("keyway ca export", "keyway ca export -o keyway-ca.pem")),
            Map.entry("audit", List.of("keyway audit tail --follow")),
            Map.entry("audit tail", List.of("keyway audit tail -n 50", "keyway audit tail --vault default --action credential.reveal")),
            Map.entry("audit verify", List.of("keyway audit verify", "keyway audit verify --from 120000 --json")),
            Map.entry("status", List.of("keyway status", "keyway status --json")),
            Map.entry("master-key", List.of("keyway master-key rotate --new-password-file ./new-password")),
            Map.entry("master-key rotate", List.of("keyway master-key rotate", "keyway master-key rotate --new-password-file ./new-password")),
            Map.entry("admin-token", List.of("keyway admin-token rotate")),
            Map.entry("admin-token rotate", List.of("keyway admin-token rotate")),
            Map.entry("admin-token disable", List.of("keyway login --email owner@example.com && keyway admin-token disable")),
            Map.entry("proposal", List.of("keyway proposal create --credential SENTRY_TOKEN -m 'error reports'", "keyway proposal review")),
            Map.entry("proposal create", List.of("keyway proposal create --service github --host api.github.com --bearer GITHUB_TOKEN"
                    + " --credential GITHUB_TOKEN -m 'open pull requests'")),
            Map.entry("proposal list", List.of("keyway proposal list --status pending")),
            Map.entry("proposal show", List.of("keyway proposal show prp_...")),
            Map.entry("proposal approve", List.of("keyway proposal approve prp_...", "keyway proposal approve prp_... --value-file GITHUB_TOKEN=./token.txt")),
            Map.entry("proposal reject", List.of("keyway proposal reject prp_... --reason 'use the shared key'")),
            Map.entry("proposal review", List.of("keyway proposal review --vault default")),
            Map.entry("limit", List.of("keyway limit set --vault default --service openai --requests 100 --per 1m")),
            Map.entry("limit set", List.of("keyway limit set --vault default --service openai --requests 100 --per 1m",
                    "keyway limit set --vault default --agent claude --requests 1000 --per 1h",
                    "keyway limit set --vault default --credential GITHUB_TOKEN --requests 5000 --per 1h")),
            Map.entry("limit list", List.of("keyway limit list", "keyway limit list --json")),
            Map.entry("limit remove", List.of("keyway limit remove lim_...")),
            Map.entry("webhook", List.of("keyway webhook add https://hooks.slack.com/services/... --format slack")),
            Map.entry("webhook add", List.of("keyway webhook add https://hooks.slack.com/services/... --format slack",
                    "keyway webhook add https://ci.example.com/keyway --format json")),
            Map.entry("webhook list", List.of("keyway webhook list")),
            Map.entry("webhook remove", List.of("keyway webhook remove whk_...")),
            Map.entry("webhook test", List.of("keyway webhook test whk_...")),
            Map.entry("completion", List.of("source <(keyway completion bash)",
                    "keyway completion fish > ~/.config/fish/completions/keyway.fish")),
            Map.entry("man", List.of("keyway man | man -l -", "keyway man > ~/.local/share/man/man1/keyway.1")),
            Map.entry("help", List.of("keyway help service add")));

    /** Adds the summaries and examples to every command of the tree. */
    static void apply(CommandLine root) {
        visit(root, "");
    }

    private static void visit(CommandLine cl, String path) {
        CommandLine.Model.UsageMessageSpec u = cl.getCommandSpec().usageMessage();
        String summary = SUMMARIES.get(path);
        if (summary != null && u.header().length == 0) {
            u.header(summary);
        }
        List<String> examples = EXAMPLES.get(path);
        if (examples != null) {
            List<String> footer = new ArrayList<>();
            footer.add("");
            footer.add(examples.size() == 1 ? "Example:" : "Examples:");
            examples.forEach(e -> footer.add("  " + e.replace("%", "%%")));
            footer.addAll(List.of(u.footer()));
            u.footer(footer.toArray(String[]::new));
        }
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandName())) {
                visit(sub, path.isEmpty() ? name : path + " " + name);
            }
        });
    }
}
