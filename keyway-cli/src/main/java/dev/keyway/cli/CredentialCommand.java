package dev.keyway.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway credential ...}: credentials are written here; only humans (member+) read one back, with {@code reveal}, audited. */
@Command(name = "credential", aliases = "cred", mixinStandardHelpOptions = true,
        description = {"Set, list, reveal and delete credentials, and plant decoys.",
            "Values are write-only for agents and tokens; only 'credential reveal' returns one: to a user with the member role, audited."},
        subcommands = {CredentialCommand.Set.class, CredentialCommand.Link.class, CredentialCommand.OAuth.class,
            CredentialCommand.List_.class, CredentialCommand.Show.class,
            CredentialCommand.Reveal.class, CredentialCommand.Delete.class, CredentialCommand.Decoy.class})
final class CredentialCommand {

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Create or update a credential.",
                "The value is read from a hidden prompt, from --from-file, or from stdin when stdin is not a terminal;"
                        + " never from the command line (it would land in shell history and ps).",
                "A single trailing newline is removed from stdin/file input."})
    static final class Set implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Credential name, e.g. OPENAI_API_KEY (^[A-Z][A-Z0-9_]*$).") String name;
        @Mixin VaultOption vault;
        @Option(names = "--description", paramLabel = "TEXT", description = "What this credential is for.") String description;
        @Option(names = "--from-file", paramLabel = "FILE", description = "Read the value from FILE.") Path fromFile;

        @Override
        public void run() {
            byte[] value = readValue();
            try {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("value", utf8(value));
                if (description != null) {
                    body.put("description", description);
                }
                JsonNode c = client.client().put("/v1/vaults/" + Paths.seg(vault.name()) + "/credentials/" + Paths.seg(name), body);
                spec.commandLine().getOut().println((c.get("version").asInt() == 1 ? "Created" : "Updated") + " credential "
                        + name + " in vault " + vault.name() + " (version " + c.get("version").asInt() + ")");
            } finally {
                Arrays.fill(value, (byte) 0);
            }
        }

        /** The API carries values as JSON strings: bytes that are not UTF-8 would be silently replaced, so refuse them. */
        private static String utf8(byte[] value) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(value)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new CliException(ExitCodes.USAGE, "the credential value is not valid UTF-8 text (binary values are not supported;"
                        + " base64-encode them first)");
            }
        }

        private byte[] readValue() {
            byte[] raw;
            if (fromFile != null) {
                try {
                    raw = Files.readAllBytes(fromFile);
                } catch (IOException e) {
                    throw new CliException(ExitCodes.USAGE, "cannot read " + fromFile + ": " + e.getMessage());
                }
            } else {
                Console console = System.console();
                if (console != null && console.isTerminal()) {
                    char[] pw = console.readPassword("Value for %s (input hidden): ", name);
                    if (pw == null) {
                        throw new CliException(ExitCodes.USAGE, "no value entered");
                    }
                    raw = new String(pw).getBytes(StandardCharsets.UTF_8);
                    Arrays.fill(pw, '\0');
                } else {
                    raw = readAll(System.in);
                }
            }
            int n = raw.length;
            if (n > 0 && raw[n - 1] == '\n') {
                n--;
                if (n > 0 && raw[n - 1] == '\r') {
                    n--;
                }
            }
            byte[] v = Arrays.copyOf(raw, n);
            Arrays.fill(raw, (byte) 0);
            if (v.length == 0) {
                throw new CliException(ExitCodes.USAGE, "the credential value is empty");
            }
            return v;
        }

        private static byte[] readAll(InputStream in) {
            try {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toByteArray();
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read the value from stdin: " + e.getMessage());
            }
        }
    }

    @Command(name = "link", mixinStandardHelpOptions = true,
            description = {"Link a credential to a source: its value is fetched from there on use, never stored (owner only).",
                "Cached in memory for --ttl (refreshed ahead of expiry while used); --max-stale lets the last good value"
                        + " serve that long past the TTL while the source fails. No fresh-enough value: 503, nothing forwarded."})
    static final class Link implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Credential name, e.g. OPENAI_API_KEY.") String name;
        @Mixin VaultOption vault;
        @Option(names = "--source", required = true, paramLabel = "SOURCE", description = "A source from 'keyway source list'.") String source;
        @Option(names = "--ref", required = true, paramLabel = "REF", description = "The reference in the source, e.g. secret/app#api_key.") String ref;
        @Option(names = "--ttl", paramLabel = "DURATION", description = "How long a fetched value is used (default 5m).") String ttl;
        @Option(names = "--max-stale", paramLabel = "DURATION", description = "Serve the last value this long past the TTL while the source fails (default 0).") String maxStale;
        @Option(names = "--description", paramLabel = "TEXT", description = "What this credential is for.") String description;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("source", source);
            body.put("ref", ref);
            if (ttl != null) {
                body.put("ttl", ttl);
            }
            if (maxStale != null) {
                body.put("max_stale", maxStale);
            }
            if (description != null) {
                body.put("description", description);
            }
            JsonNode c = client.client().put("/v1/vaults/" + Paths.seg(vault.name()) + "/credentials/" + Paths.seg(name) + "/link", body);
            spec.commandLine().getOut().println("Linked credential " + name + " in vault " + vault.name() + " to " + source + " " + ref
                    + " (version " + c.get("version").asInt() + ")");
        }
    }

    @Command(name = "oauth", mixinStandardHelpOptions = true,
            description = {"Create or re-authorize an OAuth-minted credential: its value is the current access token.",
                "Keyway exchanges the refresh token (--grant refresh_token, RFC 6749 §6) or the client's credentials"
                        + " (--grant client_credentials, §4.4) for access tokens, caches each until shortly before it expires,"
                        + " refreshes ahead of expiry, and saves a rotated refresh token before using the new access token.",
                "The client secret and refresh token are read from files (never argv), sent once, stored encrypted and"
                        + " never shown again. Run it again with a new --refresh-token-file to re-authorize a broken credential.",
                "--grant github-app mints GitHub App installation tokens: an RS256 app JWT signed with --private-key-file is"
                        + " exchanged at POST /app/installations/N/access_tokens (tokens live one hour).",
                "--grant google-service-account mints Google access tokens: an RS256 JWT signed with the service account's"
                        + " --key-file (RFC 7523 JWT bearer grant) is exchanged at the key file's token_uri for --scope;"
                        + " --subject acts as a user of the domain (domain-wide delegation).",
                "--auth-method private_key_jwt --client-key-file F [--client-key-alg RS256|ES256] authenticates the client with"
                        + " a JWT signed by its private key (RFC 7523 §2.2; iss=sub=client id, aud=token URL, jti, 5 min) instead"
                        + " of a client secret.",
                "Inject it like any credential: --bearer NAME, header templates, basic, substitute."})
    static final class OAuth implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Credential name, e.g. GITHUB_TOKEN.") String name;
        @Mixin VaultOption vault;
        @Option(names = "--grant", required = true, paramLabel = "GRANT", description = "refresh_token, client_credentials, github-app or google-service-account.") String grant;
        @Option(names = "--token-url", paramLabel = "URL", description = "The authorization server's token endpoint (https; not for github-app).") String tokenUrl;
        @Option(names = "--client-id", paramLabel = "ID", description = "The OAuth client id (not for github-app).") String clientId;
        @Option(names = "--app-id", paramLabel = "N", description = "github-app: the GitHub App's id.") String appId;
        @Option(names = "--installation-id", paramLabel = "N", description = "github-app: the installation's id.") String installationId;
        @Option(names = "--private-key-file", paramLabel = "FILE", description = "github-app: the app's private key (PEM, as GitHub downloads it).") Path privateKeyFile;
        @Option(names = "--api-url", paramLabel = "URL", description = "github-app: the GitHub API (default https://api.github.com; GHES: https://HOST/api/v3).") String apiUrl;
        @Option(names = "--key-file", paramLabel = "FILE", description = "google-service-account: the service account's JSON key file.") Path keyFile;
        @Option(names = "--subject", paramLabel = "EMAIL", description = "google-service-account: the user to act as (domain-wide delegation).") String subject;
        @Option(names = "--client-secret-file", paramLabel = "FILE", description = "Read the client secret from FILE (none for a public client).") Path clientSecretFile;
        @Option(names = "--refresh-token-file", paramLabel = "FILE", description = "Read the refresh token from FILE (refresh_token grant).") Path refreshTokenFile;
        @Option(names = "--scope", paramLabel = "SCOPE", description = "A scope to request (repeatable).") java.util.List<String> scopes;
        @Option(names = "--audience", paramLabel = "AUD", description = "client_credentials: the API the token is for (audience parameter).") String audience;
        @Option(names = "--auth-method", paramLabel = "METHOD", description = "How the client authenticates: basic (client_secret_basic, default), post (client_secret_post) or private_key_jwt (a JWT signed with --client-key-file).") String authMethod;
        @Option(names = "--client-key-file", paramLabel = "FILE", description = "private_key_jwt: the client's private key (PEM; PKCS#8, PKCS#1 RSA or SEC1 EC).") Path clientKeyFile;
        @Option(names = "--client-key-alg", paramLabel = "ALG", description = "private_key_jwt: RS256 (default) or ES256.") String clientKeyAlg;
        @Option(names = "--description", paramLabel = "TEXT", description = "What this credential is for.") String description;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("grant", grant);
            if (grant.equals("github-app")) {
                if (appId == null || installationId == null || privateKeyFile == null) {
                    throw new CliException(ExitCodes.USAGE, "--grant github-app needs --app-id, --installation-id and --private-key-file");
                }
                body.put("app_id", appId);
                body.put("installation_id", installationId);
                body.put("private_key", secretFile(privateKeyFile, "--private-key-file"));
                if (apiUrl != null) {
                    body.put("api_url", apiUrl);
                }
            } else if (grant.equals("google-service-account")) {
                if (keyFile == null || scopes == null) {
                    throw new CliException(ExitCodes.USAGE, "--grant google-service-account needs --key-file and --scope");
                }
                body.put("key", secretFile(keyFile, "--key-file"));
                if (subject != null) {
                    body.put("subject", subject);
                }
            } else if (tokenUrl == null || clientId == null) {
                throw new CliException(ExitCodes.USAGE, "--grant " + grant + " needs --token-url and --client-id");
            }
            if (tokenUrl != null) {
                body.put("token_url", tokenUrl);
            }
            if (clientId != null) {
                body.put("client_id", clientId);
            }
            if (clientSecretFile != null) {
                body.put("client_secret", secretFile(clientSecretFile, "--client-secret-file"));
            }
            if (refreshTokenFile != null) {
                body.put("refresh_token", secretFile(refreshTokenFile, "--refresh-token-file"));
            }
            if (scopes != null) {
                body.put("scopes", scopes);
            }
            if (audience != null) {
                body.put("audience", audience);
            }
            if (authMethod != null) {
                body.put("auth_method", authMethod);
            }
            if (clientKeyFile != null) {
                body.put("client_key", secretFile(clientKeyFile, "--client-key-file"));
            }
            if (clientKeyAlg != null) {
                body.put("client_key_alg", clientKeyAlg);
            }
            if (description != null) {
                body.put("description", description);
            }
            JsonNode c = client.client().put("/v1/vaults/" + Paths.seg(vault.name()) + "/credentials/" + Paths.seg(name) + "/oauth", body);
            spec.commandLine().getOut().println((c.get("version").asInt() == 1 ? "Created" : "Re-authorized") + " OAuth credential "
                    + name + " in vault " + vault.name() + " (" + grant + " at " + c.path("token_url").asString("?") + ", version "
                    + c.get("version").asInt()
                    + "); the first request that uses it mints an access token");
        }

        /** A secret from a file: one trailing newline dropped, refused when empty. */
        /** A secret read from a file (one trailing newline dropped); shared with {@code source add}. */
        static String secretFile(Path f, String option) {
            String s;
            try {
                s = Files.readString(f, StandardCharsets.UTF_8);
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read " + option + " " + f + ": " + e.getMessage());
            }
            if (s.endsWith("\n")) {
                s = s.substring(0, s.length() - (s.endsWith("\r\n") ? 2 : 1));
            }
            if (s.isEmpty()) {
                throw new CliException(ExitCodes.USAGE, option + " " + f + " is empty");
            }
            return s;
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List credential names and metadata (never values).")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin VaultOption vault;
        @Mixin JsonOption json;

        @Override
        public void run() {
            ApiClient api = client.client();
            JsonNode r = api.get("/v1/vaults/" + Paths.seg(vault.name()) + "/credentials");
            tools.jackson.databind.node.ArrayNode all = tools.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            r.get("credentials").forEach(all::add);
            // decoys are listed with kind "decoy" (their values are not shown here)
            for (JsonNode d : api.get("/v1/vaults/" + Paths.seg(vault.name()) + "/decoys").path("decoys")) {
                tools.jackson.databind.node.ObjectNode row = all.addObject();
                row.put("name", d.path("name").asString());
                row.put("kind", "decoy");
                row.put("like", d.path("like").asString(null));
                row.put("revoke_on_use", d.path("revoke_on_use").asBoolean());
                row.put("created_at", d.path("created_at").asString(null));
                row.put("created_by", d.path("created_by").asString(null));
            }
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), all);
            } else {
                Output.table(spec.commandLine().getOut(), all, "name", "kind", "source", "ref", "state", "version",
                        "updated_at", "updated_by", "description");
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Show a credential's metadata as JSON (never its value).",
                "For an OAuth credential also its grant, token endpoint, client id, scopes, which secrets are held"
                        + " (names only) and its state: ok, or broken with what the authorization server said."})
    static final class Show implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Mixin VaultOption vault;

        @Override
        public void run() {
            String path = "/v1/vaults/" + Paths.seg(vault.name()) + "/credentials/" + Paths.seg(name);
            JsonNode c = client.client().get(path);
            if (c.path("kind").asString("").equals("oauth") && c instanceof tools.jackson.databind.node.ObjectNode o) {
                o.set("oauth", client.client().get(path + "/oauth"));
            }
            Output.json(spec.commandLine().getOut(), c);
        }
    }

    @Command(name = "reveal", mixinStandardHelpOptions = true,
            description = {"Print a credential's value (users with the member role only; audited).",
                "Agent and scoped tokens can never read values: they get a permission error (exit code 3)."})
    static final class Reveal implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Mixin VaultOption vault;

        @Override
        public void run() {
            JsonNode r = client.client().get("/v1/vaults/" + Paths.seg(vault.name()) + "/credentials/" + Paths.seg(name) + "/reveal");
            spec.commandLine().getOut().println(r.get("value").asString());
            spec.commandLine().getOut().flush();
        }
    }

    @Command(name = "delete", aliases = {"rm", "remove"}, mixinStandardHelpOptions = true,
            description = "Delete a credential, or a decoy of that name.")
    static final class Delete implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Mixin VaultOption vault;

        @Override
        public void run() {
            ApiClient api = client.client();
            try {
                api.delete("/v1/vaults/" + Paths.seg(vault.name()) + "/credentials/" + Paths.seg(name));
            } catch (CliException e) {
                if (e.exitCode() != ExitCodes.NOT_FOUND) {
                    throw e;
                }
                try {
                    api.delete("/v1/vaults/" + Paths.seg(vault.name()) + "/decoys/" + Paths.seg(name));
                } catch (CliException d) {
                    throw d.exitCode() == ExitCodes.NOT_FOUND ? e : d;
                }
                spec.commandLine().getOut().println("Deleted decoy " + name + " from vault " + vault.name());
                return;
            }
            spec.commandLine().getOut().println("Deleted credential " + name + " from vault " + vault.name());
        }
    }

    @Command(name = "decoy", mixinStandardHelpOptions = true,
            description = {"Plant a decoy credential: a random value that looks like a real key, bound to no service.",
                "Agents get it like a placeholder (discovery, and as the environment variable NAME in 'keyway run')."
                        + " Any request through the proxy that carries it is refused (403 decoy-credential-used), audited as an"
                        + " alert and sent to every webhook; with --revoke-on-use the token that used it is revoked at once.",
                "--like TEMPLATE gives it the shape of that catalog template's keys (e.g. openai: sk-proj-...)."})
    static final class Decoy implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "The decoy's name and environment variable, e.g. AWS_BACKUP_KEY.") String name;
        @Mixin VaultOption vault;
        @Option(names = "--like", paramLabel = "TEMPLATE", description = "Shape the value like this catalog template's key (see 'keyway service templates').") String like;
        @Option(names = "--revoke-on-use", description = "Revoke the token that uses the decoy, at once.") boolean revokeOnUse;
        @Mixin JsonOption json;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (like != null) {
                body.put("like", like);
            }
            body.put("revoke_on_use", revokeOnUse);
            JsonNode d = client.client().post("/v1/vaults/" + Paths.seg(vault.name()) + "/decoys", body);
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), d);
                return;
            }
            spec.commandLine().getOut().println("Planted decoy " + name + " in vault " + vault.name()
                    + (like == null ? "" : " (shaped like " + like + ")") + (revokeOnUse ? "; a token that uses it is revoked" : "")
                    + ". Agents see it as " + name + " in 'keyway run' and discovery.");
        }
    }
}
