package dev.keyway.cli;

import dev.keyway.core.service.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/** {@code keyway service ...}: bind destinations to credentials. */
@Command(name = "service", aliases = "svc", mixinStandardHelpOptions = true,
        description = "Services bind a destination (host, optional paths and methods) to a credential injection.",
        subcommands = {ServiceCommand.Add.class, ServiceCommand.List_.class, ServiceCommand.Show.class,
            ServiceCommand.Remove.class, ServiceCommand.Enable.class, ServiceCommand.Disable.class,
            ServiceCommand.Set.class, ServiceCommand.Apply.class, ServiceCommand.Export.class, ServiceCommand.Templates.class})
final class ServiceCommand {

    static String base(String vault) {
        return "/v1/vaults/" + Paths.seg(vault) + "/services";
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Add a service (or replace one with the same name).",
                "Give exactly one injection, or --template NAME (see 'keyway service templates').",
                "Examples:",
                "  keyway service add openai --host api.openai.com --bearer OPENAI_API_KEY",
                "  keyway service add gh --host api.github.com --header 'Authorization: token {GITHUB_TOKEN}' --method GET",
                "  keyway service add git --host github.com --basic x-access-token:GITHUB_TOKEN",
                "  keyway service add jira --host acme.atlassian.net --header 'Authorization: Basic {base64(JIRA_EMAIL + \":\" + JIRA_TOKEN)}'",
                "  keyway service add gemini --host generativelanguage.googleapis.com --query key=GEMINI_API_KEY",
                "  keyway service add tg --host api.telegram.org --substitute __TG__=TELEGRAM_TOKEN --in path",
                "  keyway service add github --template github --credential MY_GH_TOKEN",
                "  keyway service add httpbin --host httpbin.org --bearer TOKEN --no-redact-responses   # see its echoes raw",
                "  keyway service add gh-write --host api.github.com --bearer GITHUB_TOKEN --require-approval --approval-methods POST,DELETE",
                "  keyway service add db --template supabase --host abcdefgh.supabase.co   # per-tenant templates name your host",
                "  keyway service add binance --template binance   # HMAC-signed; also coinbase-exchange, coinbase-cdp (JWT)",
                "  keyway service add ex --host api.example.com --hmac-credential EX_SECRET --hmac-template '{timestamp}{method}{path}{body}' \\",
                "      --hmac-header X-Signature --hmac-encoding base64 --hmac-timestamp-header X-Timestamp --hmac-extra-header 'X-Key: {EX_KEY}'",
                "  keyway service add bn --host api.binance.com --hmac-credential BINANCE_SECRET_KEY --hmac-template '{query}{body}' \\",
                "      --hmac-query signature --hmac-timestamp-unit ms --hmac-timestamp-query timestamp --hmac-extra-header 'X-MBX-APIKEY: {BINANCE_API_KEY}'",
                "  keyway service add cdp --host api.coinbase.com --jwt-credential CDP_KEY --jwt-algorithm ES256 --jwt-kid '{CDP_KEY_NAME}' \\",
                "      --jwt-claim iss=cdp --jwt-claim 'sub={CDP_KEY_NAME}' --jwt-claim 'uri={method} {host}{path}' --jwt-nonce"})
    static final class Add implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Service name (lower-case letters, digits, '-', '_', '.').") String name;
        @Mixin VaultOption vault;
        @Option(names = "--host", paramLabel = "HOST[:PORT]", description = "Exact host or *.example.com (one label); optional :port.") String host;
        @Option(names = "--path", paramLabel = "GLOB", description = "Allowed path glob (repeatable): * one segment, ** any depth.") List<String> paths = new ArrayList<>();
        @Option(names = "--method", paramLabel = "M", description = "Allowed HTTP method (repeatable; default any).") List<String> methods = new ArrayList<>();
        @Option(names = "--allow-private", description = "Allow an IP literal or internal host name (e.g. a local LLM gateway).") boolean allowPrivate;
        @Option(names = "--allow-plaintext", description = "Also inject into plain http:// requests (default: over TLS only). "
                + "Only for a private or loopback host (with --allow-private): a private/loopback IP, localhost, a single-label "
                + "name, or a name under .internal, .local or .lan.") boolean allowPlaintext;
        @Option(names = "--disabled", description = "Create the service disabled.") boolean disabled;
        @Option(names = "--no-redact-responses", description = "Do not scan responses for the injected credential "
                + "(default: every echo of it is replaced by [REDACTED:NAME] or the placeholder).") boolean noRedactResponses;
        @Option(names = "--require-approval", description = "Hold each matching request until a member approves it"
                + " ('keyway approval'); narrow with --approval-methods and --approval-paths.") boolean requireApproval;
        @Option(names = "--approval-methods", paramLabel = "M,M", split = ",",
                description = "With --require-approval: only these methods need approval (default: all), e.g. POST,DELETE.")
        List<String> approvalMethods = new ArrayList<>();
        @Option(names = "--approval-paths", paramLabel = "GLOB", arity = "1..*",
                description = "With --require-approval: only these path globs need approval (default: all).")
        List<String> approvalPaths = new ArrayList<>();
        @Option(names = "--approval-timeout", paramLabel = "DURATION",
                description = "With --require-approval: how long a request waits before 403 approval-timeout (default 120s; 1s to 1h).")
        String approvalTimeout;
        @Option(names = "--description", paramLabel = "TEXT") String description;
        @Option(names = "--template", paramLabel = "NAME", description = "Start from a built-in template.") String template;
        @Option(names = "--credential", paramLabel = "CRED", description = "With --template: use this credential name instead of the template's default.") String credential;
        @ArgGroup(exclusive = true, multiplicity = "0..1") @Nullable Inject inject;

        static final class Inject {
            @Option(names = "--bearer", paramLabel = "CRED", description = "Authorization: Bearer <CRED>.") String bearer;
            @Option(names = "--basic", paramLabel = "USER:PASS",
                    description = "Authorization: Basic. PASS is a credential name; USER is a credential name too, unless it is not "
                            + "upper-case: then it is a literal user name (e.g. x-access-token:GITHUB_TOKEN).")
            String basic;
            @Option(names = "--header", paramLabel = "'Name: format'", description = "Set a header from a template like 'token {GITHUB_TOKEN}' (repeatable).")
            List<String> headers;
            @Option(names = "--query", paramLabel = "PARAM=CRED", description = "Set a query parameter to a credential or a {composite value}.") String query;
            @Option(names = "--substitute", paramLabel = "PLACEHOLDER=CRED", description = "Replace a placeholder with the credential or a {composite value} (see --in).") String substitute;
            @Option(names = "--passthrough", description = "Allow and intercept, but inject nothing.") boolean passthrough;
            @Option(names = "--hmac-credential", paramLabel = "CRED", description = "Sign each request with an HMAC keyed by CRED"
                    + " (needs --hmac-template and --hmac-header or --hmac-query; the key never leaves Keyway).") String hmac;
            @Option(names = "--jwt-credential", paramLabel = "CRED", description = "Send a fresh JWT per request, signed with the PEM"
                    + " private key in CRED, as Authorization: Bearer (needs --jwt-algorithm).") String jwt;
        }

        @Option(names = "--hmac-template", paramLabel = "TEMPLATE", description = "With --hmac-credential: the string to sign, over"
                + " {method} {path} {query} {path_query} {host} {timestamp} {nonce} {body} {body_sha256}.") String hmacTemplate;
        @Option(names = "--hmac-algorithm", paramLabel = "ALG", description = "sha256 (default) or sha512.") String hmacAlgorithm;
        @Option(names = "--hmac-key-encoding", paramLabel = "ENC", description = "raw (default) or base64: how CRED holds the key.")
        String hmacKeyEncoding;
        @Option(names = "--hmac-header", paramLabel = "NAME", description = "Send the signature in this header.") String hmacHeader;
        @Option(names = "--hmac-query", paramLabel = "PARAM", description = "Append the signature as this query parameter (e.g. signature).")
        String hmacQuery;
        @Option(names = "--hmac-encoding", paramLabel = "ENC", description = "hex (default) or base64.") String hmacEncoding;
        @Option(names = "--hmac-timestamp-unit", paramLabel = "UNIT", description = "s (default) or ms.") String hmacTimestampUnit;
        @Option(names = "--hmac-timestamp-header", paramLabel = "NAME", description = "Send the timestamp in this header.")
        String hmacTimestampHeader;
        @Option(names = "--hmac-timestamp-query", paramLabel = "PARAM", description = "Set this query parameter to the timestamp before signing.")
        String hmacTimestampQuery;
        @Option(names = "--hmac-nonce-header", paramLabel = "NAME", description = "Send the nonce in this header.") String hmacNonceHeader;
        @Option(names = "--hmac-extra-header", paramLabel = "'Name: format'",
                description = "With --hmac-credential: also set a header from a template, e.g. the API key (repeatable).")
        List<String> hmacExtraHeaders = new ArrayList<>();
        @Option(names = "--jwt-algorithm", paramLabel = "ALG", description = "ES256, RS256 or EdDSA.") String jwtAlgorithm;
        @Option(names = "--jwt-kid", paramLabel = "TEMPLATE", description = "The kid header: text and {CREDENTIAL}s.") String jwtKid;
        @Option(names = "--jwt-claim", paramLabel = "NAME=TEMPLATE", description = "A claim over {method} {host} {path} {query}"
                + " {path_query} and {CREDENTIAL}s (repeatable); iat, nbf and exp are set by Keyway.") List<String> jwtClaims = new ArrayList<>();
        @Option(names = "--jwt-lifetime", paramLabel = "DURATION", description = "exp - iat (default 120s; 1s to 10m).") String jwtLifetime;
        @Option(names = "--jwt-nonce", description = "Put a random nonce into the JWT header (Coinbase CDP).") boolean jwtNonce;
        @Option(names = "--jwt-no-nbf", description = "Leave out the nbf claim.") boolean jwtNoNbf;

        @Option(names = "--in", paramLabel = "SURFACES", split = ",", description = "With --substitute: where to replace: header,path,query,body (default header,path,query).")
        List<String> in;

        @Override
        public void run() {
            if ((inject == null || inject.hmac == null) && (hmacTemplate != null || hmacAlgorithm != null || hmacKeyEncoding != null || hmacHeader != null
                    || hmacQuery != null || hmacEncoding != null || hmacTimestampUnit != null || hmacTimestampHeader != null
                    || hmacTimestampQuery != null || hmacNonceHeader != null || !hmacExtraHeaders.isEmpty())) {
                throw new CliException(ExitCodes.USAGE, "the --hmac-* options need --hmac-credential");
            }
            if ((inject == null || inject.jwt == null) && (jwtAlgorithm != null || jwtKid != null || !jwtClaims.isEmpty() || jwtLifetime != null
                    || jwtNonce || jwtNoNbf)) {
                throw new CliException(ExitCodes.USAGE, "the --jwt-* options need --jwt-credential");
            }
            if (template != null) {
                if (inject != null) {
                    throw new CliException(ExitCodes.USAGE, "--template cannot be combined with an injection option");
                }
                if (!paths.isEmpty() || !methods.isEmpty() || in != null || allowPrivate || allowPlaintext || disabled || description != null
                        || noRedactResponses || requireApproval) {
                    throw new CliException(ExitCodes.USAGE, "--template takes only --credential, --host and --vault; change other fields"
                            + " afterwards ('keyway service disable', or 'keyway service apply')");
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("template", template);
                body.put("name", name);
                if (credential != null) {
                    body.put("credential", credential);
                }
                if (host != null) {
                    body.put("host", host); // a per-tenant template (supabase, jira, ...) needs its own host
                }
                JsonNode s = client.client().post(base(vault.name()) + "/from-template", body);
                print(s);
                return;
            }
            if (credential != null) {
                throw new CliException(ExitCodes.USAGE, "--credential only applies with --template");
            }
            if (host == null) {
                throw new CliException(ExitCodes.USAGE, "--host is required (or use --template)");
            }
            if (inject == null) {
                throw new CliException(ExitCodes.USAGE, "give one injection: --bearer, --basic, --header, --query, --substitute,"
                        + " --hmac-credential, --jwt-credential or --passthrough");
            }
            if (in != null && inject.substitute == null) {
                throw new CliException(ExitCodes.USAGE, "--in only applies with --substitute");
            }
            Map<String, Object> svc = new LinkedHashMap<>();
            svc.put("name", name);
            svc.put("host", host);
            svc.put("methods", methods);
            svc.put("paths", paths);
            svc.put("enabled", !disabled);
            svc.put("allow_private", allowPrivate);
            if (allowPlaintext) {
                svc.put("allow_plaintext", true);
            }
            if (noRedactResponses) {
                svc.put("redact_responses", false);
            }
            if (description != null) {
                svc.put("description", description);
            }
            svc.put("inject", injection(inject));
            if (!requireApproval && (!approvalMethods.isEmpty() || !approvalPaths.isEmpty() || approvalTimeout != null)) {
                throw new CliException(ExitCodes.USAGE, "--approval-methods, --approval-paths and --approval-timeout need --require-approval");
            }
            if (requireApproval) {
                Map<String, Object> a = new LinkedHashMap<>();
                if (!approvalMethods.isEmpty()) {
                    a.put("methods", approvalMethods);
                }
                if (!approvalPaths.isEmpty()) {
                    a.put("paths", approvalPaths);
                }
                if (approvalTimeout != null) {
                    a.put("timeout", approvalTimeout);
                }
                svc.put("approval", a);
            }
            JsonNode s;
            try {
                s = client.client().post(base(vault.name()), svc);
            } catch (CliException e) {
                // the API speaks of the YAML member; name the flag this command has for it
                if (e.getMessage() != null && e.getMessage().contains("allow_private")) {
                    throw new CliException(e.exitCode(), e.getMessage().replace("set allow_private: true", "pass --allow-private"));
                }
                if (e.getMessage() != null && e.getMessage().contains("allow_plaintext is only accepted")) {
                    throw new CliException(e.exitCode(), e.getMessage().replace("allow_plaintext is only", "--allow-plaintext is only"));
                }
                throw e;
            }
            print(s);
        }

        private Object injection(Inject inject) {
            if (inject.bearer != null) {
                return Map.of("bearer", inject.bearer);
            }
            if (inject.basic != null) {
                String[] parts = inject.basic.split(":", 2);
                if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                    throw new CliException(ExitCodes.USAGE, "--basic must look like USER:PASS, where PASS is a credential name"
                            + " and USER a credential name or a literal user name (got '" + inject.basic + "')");
                }
                Map<String, Object> b = new LinkedHashMap<>();
                if (Names.isCredentialName(parts[0])) {
                    b.put("username", parts[0]);
                } else {
                    b.put("username_literal", parts[0]);
                }
                b.put("password", parts[1]);
                return Map.of("basic", b);
            }
            if (inject.headers != null) {
                return Map.of("header", headerMap(inject.headers, "--header"));
            }
            if (inject.query != null) {
                String[] kv = pair(inject.query, "--query", "PARAM=CRED");
                return Map.of("query", Map.of(kv[0], kv[1]));
            }
            if (inject.substitute != null) {
                // PLACEHOLDER=CRED, or PLACEHOLDER={expression} (whose literals may hold '=')
                int brace = inject.substitute.endsWith("}") ? inject.substitute.indexOf("={") : -1;
                int eq = brace > 0 ? brace : inject.substitute.lastIndexOf('=');
                if (eq <= 0 || eq == inject.substitute.length() - 1) {
                    throw new CliException(ExitCodes.USAGE, "--substitute must look like PLACEHOLDER=CRED");
                }
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("placeholder", inject.substitute.substring(0, eq));
                s.put("credential", inject.substitute.substring(eq + 1));
                if (in != null) {
                    s.put("in", in);
                }
                return Map.of("substitute", s);
            }
            if (inject.hmac != null) {
                if (hmacTemplate == null) {
                    throw new CliException(ExitCodes.USAGE, "--hmac-credential needs --hmac-template (the string to sign),"
                            + " e.g. '{timestamp}{method}{path}{body}'");
                }
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("key", inject.hmac);
                putIfSet(h, "key_encoding", hmacKeyEncoding);
                putIfSet(h, "algorithm", hmacAlgorithm);
                h.put("template", hmacTemplate);
                putIfSet(h, "signature_header", hmacHeader);
                putIfSet(h, "signature_query", hmacQuery);
                putIfSet(h, "encoding", hmacEncoding);
                putIfSet(h, "timestamp_unit", hmacTimestampUnit);
                putIfSet(h, "timestamp_header", hmacTimestampHeader);
                putIfSet(h, "timestamp_query", hmacTimestampQuery);
                putIfSet(h, "nonce_header", hmacNonceHeader);
                if (!hmacExtraHeaders.isEmpty()) {
                    h.put("headers", headerMap(hmacExtraHeaders, "--hmac-extra-header"));
                }
                return Map.of("hmac", h);
            }
            if (inject.jwt != null) {
                if (jwtAlgorithm == null) {
                    throw new CliException(ExitCodes.USAGE, "--jwt-credential needs --jwt-algorithm ES256, RS256 or EdDSA");
                }
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("key", inject.jwt);
                j.put("algorithm", jwtAlgorithm);
                putIfSet(j, "kid", jwtKid);
                Map<String, Object> claims = new LinkedHashMap<>();
                for (String c : jwtClaims) {
                    String[] kv = pair(c, "--jwt-claim", "NAME=TEMPLATE");
                    if (claims.put(kv[0], kv[1]) != null) {
                        throw new CliException(ExitCodes.USAGE, "--jwt-claim " + kv[0] + " is given twice");
                    }
                }
                j.put("claims", claims);
                putIfSet(j, "lifetime", jwtLifetime);
                j.put("not_before", !jwtNoNbf);
                j.put("nonce", jwtNonce);
                return Map.of("jwt", j);
            }
            return "none";
        }

        private static void putIfSet(Map<String, Object> m, String key, @Nullable String value) {
            if (value != null) {
                m.put(key, value);
            }
        }

        private static Map<String, Object> headerMap(List<String> lines, String opt) {
            Map<String, Object> h = new LinkedHashMap<>();
            for (String line : lines) {
                int c = line.indexOf(':');
                if (c <= 0) {
                    throw new CliException(ExitCodes.USAGE, opt + " must look like 'Name: value {CRED}' (got '" + line + "')");
                }
                if (h.put(line.substring(0, c).strip(), line.substring(c + 1).strip()) != null) {
                    throw new CliException(ExitCodes.USAGE, opt + " " + line.substring(0, c).strip() + " is given twice");
                }
            }
            return h;
        }

        private static String[] pair(String v, String opt, String shape) {
            int eq = v.indexOf('=');
            if (eq <= 0 || eq == v.length() - 1) {
                throw new CliException(ExitCodes.USAGE, opt + " must look like " + shape + " (got '" + v + "')");
            }
            return new String[] {v.substring(0, eq), v.substring(eq + 1)};
        }

        private void print(JsonNode s) {
            spec.commandLine().getOut().println("Service " + s.get("name").asString() + " in vault " + vault.name() + ": "
                    + s.get("host").asString() + " -> " + ServiceCommand.describe(s.get("inject")));
            printWarnings(spec.commandLine().getOut(), s.path("warnings"));
        }
    }

    /** The server's configuration warnings (missing credential, a host one edit from a catalog host). */
    static void printWarnings(java.io.PrintWriter out, JsonNode warnings) {
        for (JsonNode w : warnings) {
            out.println("WARNING: " + w.asString());
        }
        out.flush();
    }

    static String describe(JsonNode inject) {
        if (inject == null || inject.isString()) {
            return "no injection (passthrough)";
        }
        String kind = inject.propertyNames().iterator().next();
        return kind + " " + inject.get(kind).toString();
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List services in declaration order.")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin VaultOption vault;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode r = client.client().get(base(vault.name()));
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), r.get("services"));
                return;
            }
            var rows = ApiClient.JSON.createArrayNode();
            for (JsonNode s : r.get("services")) {
                var row = ApiClient.JSON.createObjectNode();
                row.put("name", s.get("name").asString());
                row.put("host", s.get("host").asString());
                row.put("methods", s.get("methods").isEmpty() ? "any" : join(s.get("methods")));
                row.put("paths", s.get("paths").isEmpty() ? "any" : join(s.get("paths")));
                row.put("inject", kind(s.get("inject")));
                row.put("enabled", s.get("enabled").asBoolean() ? "yes" : "no");
                rows.add(row);
            }
            Output.table(spec.commandLine().getOut(), rows, "name", "host", "methods", "paths", "inject", "enabled");
        }

        private static String join(JsonNode a) {
            List<String> l = new ArrayList<>();
            a.forEach(n -> l.add(n.asString()));
            return String.join(",", l);
        }

        private static String kind(JsonNode inject) {
            return inject == null || inject.isString() ? "none" : inject.propertyNames().iterator().next();
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one service as JSON.")
    static final class Show implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Mixin VaultOption vault;

        @Override
        public void run() {
            Output.json(spec.commandLine().getOut(), client.client().get(base(vault.name()) + "/" + Paths.seg(name)));
        }
    }

    @Command(name = "remove", aliases = {"rm", "delete"}, mixinStandardHelpOptions = true, description = "Remove a service.")
    static final class Remove implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Mixin VaultOption vault;

        @Override
        public void run() {
            client.client().delete(base(vault.name()) + "/" + Paths.seg(name));
            spec.commandLine().getOut().println("Removed service " + name + " from vault " + vault.name());
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a service.")
    static final class Enable implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Mixin VaultOption vault;

        @Override
        public void run() {
            client.client().post(base(vault.name()) + "/" + Paths.seg(name) + "/enable", Map.of());
            spec.commandLine().getOut().println("Enabled service " + name);
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable a service (requests to it get 403 service-disabled).")
    static final class Disable implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Mixin VaultOption vault;

        @Override
        public void run() {
            client.client().post(base(vault.name()) + "/" + Paths.seg(name) + "/disable", Map.of());
            spec.commandLine().getOut().println("Disabled service " + name);
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Change settings of an existing service (the rest of it stays as it is).",
                "Examples:",
                "  keyway service set httpbin --no-redact-responses   # responses reach the agent unscanned",
                "  keyway service set httpbin --redact-responses      # back to the default"})
    static final class Set implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Mixin VaultOption vault;
        @ArgGroup(exclusive = true, multiplicity = "1") @Nullable Redact redact;

        static final class Redact {
            @Option(names = "--redact-responses", description = "Scan responses for the injected credential and replace each echo (the default).")
            boolean on;
            @Option(names = "--no-redact-responses", description = "Do not scan responses for the injected credential.")
            boolean off;
        }

        @Override
        public void run() {
            String path = base(vault.name()) + "/" + Paths.seg(name);
            JsonNode current = client.client().get(path);
            Map<String, Object> svc = new LinkedHashMap<>();
            current.properties().forEach(e -> {
                if (!e.getKey().equals("updated_at") && !e.getKey().equals("updated_by")
                        && !e.getKey().equals("redact_responses")) {
                    svc.put(e.getKey(), e.getValue());
                }
            });
            boolean on = redact == null || redact.on;
            if (!on) {
                svc.put("redact_responses", false);
            }
            client.client().put(path, svc);
            spec.commandLine().getOut().println((on ? "Responses of service " + name + " are scanned for echoed credentials"
                    : "Responses of service " + name + " are no longer scanned for echoed credentials"));
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Make the vault's services exactly those in a YAML (or JSON) file, atomically.",
                "The file is a list of services, or an object with a 'services' list (the output of 'service export' or",
                "'service list --json' is accepted unchanged). An entry may say 'template: NAME' (and 'credential: CRED')",
                "and override any field. Unknown keys are errors.",
                "An entry's 'limits: [{requests: 100, per: 1m, agent: A}]' are its rate limits (like 'keyway limit set --service');",
                "without 'limits:' the service's limits stay as they are, 'limits: []' removes them (changing them needs the owner).",
                "With --dry-run, print what would change, field by field, and change nothing.",
                "Example: keyway service export -o services.yaml && keyway service apply -f services.yaml --dry-run"})
    static final class Apply implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "services.yaml") Path file;
        @Mixin VaultOption vault;
        @Option(names = "--dry-run", description = "Show the diff only.") boolean dryRun;

        @Override
        public void run() {
            JsonNode doc;
            try {
                doc = ApiClient.YAML.readTree(Files.readString(file));
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read " + file + ": " + e.getMessage());
            } catch (RuntimeException e) {
                throw new CliException(ExitCodes.CONFLICT, file + " is not valid YAML: " + e.getMessage());
            }
            JsonNode services = doc.isArray() ? doc : doc.get("services");
            if (services == null || !services.isArray()) {
                throw new CliException(ExitCodes.CONFLICT, file + ": expected a list of services or an object with a 'services' list");
            }
            if (!doc.isArray() && doc.size() != 1) {
                throw new CliException(ExitCodes.CONFLICT, file + ": unknown top-level keys; only 'services' is allowed");
            }
            JsonNode r = client.client().put(base(vault.name()) + (dryRun ? "?dry_run=true" : ""), Map.of("services", services));
            var out = spec.commandLine().getOut();
            int changes = 0;
            Map<String, String> fields = new LinkedHashMap<>();
            for (JsonNode c : r.path("changes")) {
                List<String> parts = new ArrayList<>();
                for (JsonNode f : c.path("fields")) {
                    parts.add(f.path("field").asString() + " " + f.path("before").asString() + " \u2192 " + f.path("after").asString());
                }
                fields.put(c.path("name").asString(), String.join("; ", parts));
            }
            for (String kind : List.of("added", "changed", "removed")) {
                for (JsonNode n : r.get(kind)) {
                    String detail = kind.equals("changed") && fields.containsKey(n.asString()) ? ": " + fields.get(n.asString()) : "";
                    out.println((kind.equals("added") ? "+ " : kind.equals("removed") ? "- " : "~ ") + n.asString() + detail);
                    changes++;
                }
            }
            printWarnings(out, r.path("warnings"));
            if (changes == 0) {
                out.println("No changes: vault " + vault.name() + " already matches " + file);
            } else {
                out.println(dryRun ? "Dry run: nothing was changed (" + changes + " change(s) pending)"
                        : "Applied " + changes + " change(s) to vault " + vault.name());
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Print the vault's services as a services.yaml that 'service apply' accepts unchanged.",
                "Example: keyway service export -o services.yaml",
                "Example: keyway service export --vault ci | keyway service apply -f /dev/stdin --vault staging --dry-run"})
    static final class Export implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin VaultOption vault;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.") Path output;

        @Override
        public void run() {
            JsonNode r = client.client().get(base(vault.name()));
            var list = ApiClient.JSON.createArrayNode();
            for (JsonNode s : r.get("services")) {
                var copy = ((tools.jackson.databind.node.ObjectNode) s).deepCopy();
                copy.remove(List.of("updated_at", "updated_by"));
                list.add(copy);
            }
            var doc = ApiClient.JSON.createObjectNode();
            doc.set("services", list);
            String yaml = "# services of vault " + vault.name() + " (keyway service export); apply with: keyway service apply -f FILE --vault "
                    + vault.name() + "\n" + ApiClient.YAML.writeValueAsString(doc);
            if (output == null) {
                spec.commandLine().getOut().print(yaml);
                spec.commandLine().getOut().flush();
                return;
            }
            try {
                Files.writeString(output, yaml);
            } catch (IOException e) {
                throw new CliException(ExitCodes.FAILURE, "cannot write " + output + ": " + e.getMessage());
            }
            spec.commandLine().getOut().println("Wrote " + r.get("services").size() + " service(s) of vault " + vault.name() + " to " + output);
        }
    }

    @Command(name = "templates", mixinStandardHelpOptions = true, description = "List built-in service templates.")
    static final class Templates implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode r = client.client().get("/v1/catalog");
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), r.get("templates"));
            } else {
                Output.table(spec.commandLine().getOut(), r.get("templates"), "name", "host", "credentials", "description");
            }
        }
    }
}
