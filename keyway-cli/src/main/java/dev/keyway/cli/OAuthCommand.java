package dev.keyway.cli;

import dev.keyway.core.oauth.AuthorizationCallback;
import dev.keyway.core.oauth.AuthorizationRequest;
import dev.keyway.core.oauth.ClientAuth;
import dev.keyway.core.oauth.OAuthProvider;
import dev.keyway.core.oauth.Pkce;
import dev.keyway.core.oauth.TokenOutcome;
import dev.keyway.core.oauth.TokenRequest;
import dev.keyway.core.time.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway oauth ...}: OAuth flows that need a human at a browser. */
@Command(name = "oauth", mixinStandardHelpOptions = true,
        description = "OAuth flows that need a human at a browser (the authorization-code grant).",
        subcommands = {OAuthCommand.Authorize.class})
final class OAuthCommand {

    @Command(name = "authorize", mixinStandardHelpOptions = true,
            description = {"Obtain a refresh token from the browser and store an OAuth credential that Keyway mints from.",
                "Runs the authorization-code grant with PKCE (RFC 7636, S256) on a loopback redirect (RFC 8252 §7.3):"
                        + " a listener on http://127.0.0.1:PORT/callback (ephemeral port, this machine only) accepts one"
                        + " redirect, whose state must match; the CLI redeems the code itself (the code and the PKCE"
                        + " verifier never leave this process) and stores the refresh token with"
                        + " 'PUT .../credentials/NAME/oauth' (grant refresh_token).",
                "Register http://127.0.0.1/callback (any port) as the client's redirect URI at the provider."
                        + " --template github|google|slack fills in the provider's endpoints, scopes and parameters.",
                "Exit codes: 3 when the user or the provider refuses (access_denied, invalid_grant), 6 on a state"
                        + " mismatch, a timeout or an answer without a refresh token."})
    static final class Authorize implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Credential name, e.g. GOOGLE_TOKEN.") String name;
        @Mixin VaultOption vault;
        @Option(names = "--template", paramLabel = "T", description = "A provider from the catalog: github, google, slack.") @Nullable String template;
        @Option(names = "--authorize-url", paramLabel = "URL", description = "The authorization endpoint (https).") @Nullable String authorizeUrl;
        @Option(names = "--token-url", paramLabel = "URL", description = "The token endpoint (https).") @Nullable String tokenUrl;
        @Option(names = "--client-id", required = true, paramLabel = "ID", description = "The OAuth client id.") String clientId;
        @Option(names = "--client-secret-file", paramLabel = "FILE", description = "Read the client secret from FILE (none for a public client).") @Nullable Path clientSecretFile;
        @Option(names = "--scope", paramLabel = "SCOPE", description = "A scope to request (repeatable; replaces the template's).") @Nullable List<String> scopes;
        @Option(names = "--auth-method", paramLabel = "METHOD", description = "How the client authenticates: basic (client_secret_basic) or post (client_secret_post); default the template's, else basic.") @Nullable String authMethod;
        @Option(names = "--param", paramLabel = "K=V", description = "An extra authorization parameter (repeatable), e.g. access_type=offline.") @Nullable Map<String, String> params;
        @Option(names = "--no-browser", description = "Only print the URL to open (default: also open it with xdg-open or open when available).") boolean noBrowser;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", description = "How long to wait for the browser's redirect (default 5m).") String timeout = "5m";
        @Option(names = "--description", paramLabel = "TEXT", description = "What this credential is for.") @Nullable String description;

        @Override
        public void run() {
            OAuthProvider provider = template == null ? null : OAuthProvider.of(template).orElseThrow(() -> new CliException(ExitCodes.USAGE,
                    "no OAuth template '" + template + "'; available: " + String.join(", ", OAuthProvider.names())));
            URI authorize = endpoint("--authorize-url", authorizeUrl, provider == null ? null : provider.authorizeUrl);
            URI token = endpoint("--token-url", tokenUrl, provider == null ? null : provider.tokenUrl);
            String method = authMethod != null ? authMethod : provider != null ? provider.auth.wire : ClientAuth.BASIC.wire;
            ClientAuth auth = ClientAuth.of(method).filter(a -> a != ClientAuth.PRIVATE_KEY_JWT).orElseThrow(() -> new CliException(
                    ExitCodes.USAGE, "--auth-method must be basic or post"));
            List<String> scope = scopes != null ? scopes : provider != null ? provider.scopes : List.of();
            Map<String, String> extra = new LinkedHashMap<>(provider == null ? Map.of() : provider.authorizeParams);
            if (params != null) {
                extra.putAll(params);
            }
            Duration wait = Durations.parse("timeout", timeout);
            if (wait.isZero() || wait.compareTo(Duration.ofHours(1)) > 0) {
                throw new CliException(ExitCodes.USAGE, "--timeout must be between 1s and 1h");
            }
            String secret = clientSecretFile == null ? null : CredentialCommand.OAuth.secretFile(clientSecretFile, "--client-secret-file");
            ApiClient api = client.client();
            api.get("/v1/vaults/" + Paths.seg(vault.name())); // fail before the browser when the server or the vault is not there
            Clock clock = Clock.systemUTC();
            SecureRandom random = new SecureRandom();
            Pkce pkce = Pkce.generate(random);
            byte[] st = new byte[24];
            random.nextBytes(st);
            String state = Base64.getUrlEncoder().withoutPadding().encodeToString(st);
            String refreshToken;
            URI redirect;
            try (LoopbackRedirect listener = new LoopbackRedirect(clock)) {
                redirect = listener.redirectUri();
                URI url;
                try {
                    url = AuthorizationRequest.url(authorize, clientId, redirect, scope, state, pkce.challenge(), extra);
                } catch (IllegalArgumentException e) {
                    throw new CliException(ExitCodes.USAGE, String.valueOf(e.getMessage()));
                }
                var out = spec.commandLine().getOut();
                out.println("Open this URL in a browser to authorize " + name + " (waiting " + Durations.format(wait)
                        + " for the redirect to " + redirect + "):");
                out.println(url);
                out.flush();
                if (!noBrowser) {
                    openBrowser(url);
                }
                AuthorizationCallback cb;
                try {
                    cb = listener.await(state, clock.instant().plus(wait));
                } catch (LoopbackRedirect.TimedOut e) {
                    throw new CliException(ExitCodes.FAILURE, "no redirect reached " + redirect + " within " + Durations.format(wait)
                            + "; nothing was stored (run the command again, or raise --timeout)");
                }
                String code = switch (cb) {
                    case AuthorizationCallback.Code c -> c.code();
                    case AuthorizationCallback.Denied d -> throw new CliException(ExitCodes.PERMISSION,
                            "the authorization server refused the authorization: " + d.describe() + "; nothing was stored");
                    case AuthorizationCallback.StateMismatch m -> throw new CliException(ExitCodes.FAILURE,
                            "the redirect's state does not match this request (RFC 6749 §10.12: possible cross-site request"
                                    + " forgery); it was ignored and nothing was stored");
                    case AuthorizationCallback.Malformed m -> throw new CliException(ExitCodes.FAILURE,
                            "the redirect is malformed: " + m.reason() + "; nothing was stored");
                };
                refreshToken = exchange(token, auth, secret, code, redirect, pkce, provider);
            } catch (IOException e) {
                throw new CliException(ExitCodes.FAILURE, "the loopback listener failed: " + e.getMessage());
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("grant", "refresh_token");
            body.put("token_url", token.toString());
            body.put("client_id", clientId);
            if (secret != null) {
                body.put("client_secret", secret);
            }
            body.put("refresh_token", refreshToken);
            body.put("scopes", scope);
            body.put("auth_method", auth.wire);
            if (description != null) {
                body.put("description", description);
            }
            JsonNode c = api.put("/v1/vaults/" + Paths.seg(vault.name()) + "/credentials/" + Paths.seg(name) + "/oauth", body);
            spec.commandLine().getOut().println("Authorized: " + (c.get("version").asInt() == 1 ? "created" : "re-authorized")
                    + " OAuth credential " + name + " in vault " + vault.name() + " (refresh_token at " + token + ", version "
                    + c.get("version").asInt() + "); Keyway mints its access tokens from now on");
        }

        /** Redeems the code (RFC 6749 §4.1.3, RFC 7636 §4.5) and returns the refresh token, or fails saying why. */
        private String exchange(URI token, ClientAuth auth, @Nullable String secret, String code, URI redirect, Pkce pkce,
                @Nullable OAuthProvider provider) {
            TokenRequest tr = TokenRequest.authorizationCode(auth, clientId, secret, code, redirect.toString(), pkce.verifier());
            HttpRequest.Builder b = HttpRequest.newBuilder(token).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json")
                    .header("User-Agent", "keyway-oauth-authorize")
                    .POST(HttpRequest.BodyPublishers.ofString(tr.form(), StandardCharsets.UTF_8));
            String authorization = tr.authorization();
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            TokenOutcome o;
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                    .followRedirects(HttpClient.Redirect.NEVER).proxy(java.net.ProxySelector.of(null)).build()) {
                HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                byte[] raw;
                try (InputStream in = r.body()) {
                    raw = in.readNBytes(64 * 1024 + 1);
                }
                o = TokenOutcome.parse(r.statusCode(), raw, r.headers().firstValue("Retry-After").orElse(null));
            } catch (IOException e) {
                throw new CliException(ExitCodes.FAILURE, "cannot reach the token endpoint " + token.getHost() + ": "
                        + e.getClass().getSimpleName() + "; nothing was stored (the code expires: authorize again)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.FAILURE, "interrupted");
            }
            return switch (o) {
                case TokenOutcome.Granted g -> {
                    String rt = g.refreshToken();
                    if (rt == null) {
                        String hint = provider != null ? provider.noRefreshTokenHint
                                : "some providers issue one only when asked (Google: --param access_type=offline --param"
                                        + " prompt=consent; GitHub: a GitHub App with expiring user tokens)";
                        throw new CliException(ExitCodes.FAILURE, "the token endpoint issued an access token but no refresh"
                                + " token, so Keyway could not mint new access tokens; nothing was stored. " + hint);
                    }
                    yield rt;
                }
                case TokenOutcome.Rejected rj -> throw new CliException(ExitCodes.PERMISSION, "the token endpoint refused the"
                        + " authorization code: " + rj.describe() + "; nothing was stored");
                case TokenOutcome.Failed f -> throw new CliException(ExitCodes.FAILURE, "the code exchange failed: "
                        + f.failure().getMessage() + "; nothing was stored");
            };
        }

        private static URI endpoint(String option, @Nullable String given, @Nullable URI fromTemplate) {
            URI u;
            if (given != null) {
                try {
                    u = new URI(given);
                } catch (java.net.URISyntaxException e) {
                    throw new CliException(ExitCodes.USAGE, option + " is not a URL");
                }
            } else if (fromTemplate != null) {
                u = fromTemplate;
            } else {
                throw new CliException(ExitCodes.USAGE, option + " is required (or --template " + String.join("|", OAuthProvider.names()) + ")");
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            String host = u.getHost();
            boolean loopback = host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
            if (host == null || !(scheme.equals("https") || scheme.equals("http") && loopback) || u.getUserInfo() != null
                    || u.getFragment() != null) {
                throw new CliException(ExitCodes.USAGE, option + " must be https://HOST/PATH (http only to a loopback address),"
                        + " without user info or fragment");
            }
            return u;
        }

        /** Opens the URL with xdg-open (Linux) or open (macOS) when one is on PATH; the URL is printed either way. */
        private void openBrowser(URI url) {
            for (String tool : List.of("xdg-open", "open")) {
                Path exe = onPath(tool);
                if (exe != null) {
                    try {
                        new ProcessBuilder(new ArrayList<>(List.of(exe.toString(), url.toString())))
                                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                    } catch (IOException e) {
                        spec.commandLine().getErr().println("keyway: could not start " + tool + " (" + e.getMessage()
                                + "); open the URL yourself");
                    }
                    return;
                }
            }
        }

        private static @Nullable Path onPath(String tool) {
            String path = System.getenv("PATH");
            if (path == null) {
                return null;
            }
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (d.isEmpty()) {
                    continue;
                }
                Path p = Path.of(d, tool);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
            return null;
        }
    }
}
