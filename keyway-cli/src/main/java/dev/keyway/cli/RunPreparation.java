package dev.keyway.cli;

import dev.keyway.cli.run.EnvPrinter;
import dev.keyway.cli.run.RunMode;
import dev.keyway.cli.run.ServiceInfo;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The network half of {@code keyway run}: gets the run's token (mints one in human mode; validates
 * the supplied one in agent mode, before anything is started, with messages that name the variable
 * to fix), then asks {@code /discover} for the proxy and services and fetches the CA.
 */
final class RunPreparation {
    private RunPreparation() {}

    /** Everything the environment needs from the server. {@code minted}: this run owns the token and revokes it. */
    record Prepared(String addr, String token, String vault, String proxyHost, int proxyPort, String keywayHost,
            List<ServiceInfo> services, String caPem, boolean minted, @Nullable String accessor, @Nullable String expiresAt) {
        @Override
        public String toString() {
            return "Prepared[" + addr + ", vault " + vault + ", accessor " + accessor + "]";
        }
    }

    static Prepared prepare(RunMode mode, @Nullable String program, @Nullable String proxyOverride) {
        return switch (mode) {
            case RunMode.Agent a -> agent(a, proxyOverride);
            case RunMode.Human h -> human(h, program, proxyOverride);
        };
    }

    private static Prepared agent(RunMode.Agent a, @Nullable String proxyOverride) {
        ApiClient api = new ApiClient(a.addr(), a.token(), Path.of("KEYWAY_TOKEN")).withVault(null);
        JsonNode self;
        try {
            self = api.get("/v1/tokens/lookup-self");
        } catch (CliException e) {
            throw agentFailure(a, e);
        }
        String bound = self.hasNonNull("vault") ? self.get("vault").asString() : null;
        if (a.vault() != null && bound != null && !bound.equals(a.vault())) {
            throw new CliException(ExitCodes.CONFLICT, "KEYWAY_TOKEN is bound to vault '" + bound + "' but " + a.vaultSource()
                    + " asks for vault '" + a.vault() + "': set " + (a.vaultSource().equals("--vault") ? "--vault " : "KEYWAY_VAULT=")
                    + bound + ", or give a token for vault '" + a.vault() + "' (keyway token create --vault " + a.vault() + ")");
        }
        String vault = a.vault() != null ? a.vault() : bound;
        JsonNode d;
        try {
            d = api.withVault(vault).get("/discover");
        } catch (CliException e) {
            if (e.exitCode() == ExitCodes.PERMISSION && vault != null) {
                throw new CliException(e.exitCode(), "KEYWAY_TOKEN may not use vault '" + vault + "' (from " + a.vaultSource()
                        + "): " + e.getMessage());
            }
            throw agentFailure(a, e);
        }
        return prepared(a.addr(), a.token(), d, caPem(api), false, null, self.path("expires_at").asString(null), proxyOverride);
    }

    private static CliException agentFailure(RunMode.Agent a, CliException e) {
        if (e.exitCode() == ExitCodes.UNREACHABLE) {
            return new CliException(e.exitCode(), e.getMessage() + " (KEYWAY_ADDR or --addr is " + a.addr() + ")");
        }
        if (e.exitCode() == ExitCodes.PERMISSION) {
            return new CliException(e.exitCode(), "the token in KEYWAY_TOKEN was refused by " + a.addr() + ": " + e.getMessage()
                    + "; give the program a valid token (keyway token create, or keyway agent rotate) and nothing was started");
        }
        return new CliException(e.exitCode(), "KEYWAY_TOKEN: " + e.getMessage());
    }

    private static Prepared human(RunMode.Human h, @Nullable String program, @Nullable String proxyOverride) {
        ApiClient login = new ApiClient(h.addr(), h.loginToken(), Path.of(h.tokenSource())).withVault(null);
        Map<String, Object> body = new LinkedHashMap<>();
        if (h.vault() != null) {
            body.put("vault", h.vault());
        }
        body.put("ttl", h.ttl());
        body.put("display_name", displayName(program));
        if (h.services() != null) {
            body.put("services", h.services());
        }
        JsonNode created;
        try {
            created = login.post("/v1/tokens", body);
        } catch (CliException e) {
            throw new CliException(e.exitCode(), "cannot mint a run token with " + h.tokenSource() + ": " + e.getMessage());
        }
        String token = created.get("token").asString();
        String accessor = created.path("accessor").asString();
        ApiClient api = new ApiClient(h.addr(), token, Path.of("run token")).withVault(created.path("vault").asString(null));
        try {
            JsonNode d = api.get("/discover");
            return prepared(h.addr(), token, d, caPem(api), true, accessor, created.path("expires_at").asString(null), proxyOverride);
        } catch (RuntimeException e) {
            revokeQuietly(api);
            throw e;
        }
    }

    private static Prepared prepared(String addr, String token, JsonNode d, String ca, boolean minted, @Nullable String accessor,
            @Nullable String expires, @Nullable String proxyOverride) {
        String keywayHost = keywayHost(addr);
        String[] hp = proxyAddress(proxyOverride != null ? proxyOverride : d.path("proxy").asString(""), keywayHost);
        List<ServiceInfo> services = new ArrayList<>();
        for (JsonNode s : d.path("services")) {
            List<ServiceInfo.EnvVar> env = new ArrayList<>();
            for (JsonNode e : s.path("env")) {
                env.add(new ServiceInfo.EnvVar(e.path("name").asString(), e.path("value").asString()));
            }
            services.add(new ServiceInfo(s.path("name").asString(), s.path("host").asString(), env));
        }
        // placeholder variables not tied to a listed service (decoy credentials among them): set like the others
        List<ServiceInfo.EnvVar> extra = new ArrayList<>();
        for (JsonNode e : d.path("env")) {
            extra.add(new ServiceInfo.EnvVar(e.path("name").asString(), e.path("value").asString()));
        }
        if (!extra.isEmpty()) {
            services.add(new ServiceInfo("", "", extra));
        }
        return new Prepared(addr, token, d.path("vault").asString(), hp[0], Integer.parseInt(hp[1]), keywayHost, services, ca,
                minted, accessor, expires);
    }

    /**
     * The proxy {@code host:port} the child must dial: as reported, except that a wildcard bind
     * address (the server listens on all interfaces) is replaced by the host of {@code KEYWAY_ADDR}.
     */
    static String[] proxyAddress(String reported, String keywayHost) {
        String r = reported.strip();
        int colon = r.lastIndexOf(':');
        if (colon < 0 || colon == r.length() - 1) {
            throw new CliException(ExitCodes.FAILURE, "the server reported no usable proxy address ('" + reported
                    + "'); pass --proxy HOST:PORT");
        }
        String host = r.substring(0, colon);
        String port = r.substring(colon + 1);
        if (!port.matches("\\d{1,5}")) {
            throw new CliException(ExitCodes.USAGE, "invalid proxy address '" + reported + "': expected HOST:PORT");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (Set.of("0.0.0.0", "::", "*", "").contains(host)) {
            host = keywayHost;
        }
        return new String[] {host, port};
    }

    private static String keywayHost(String addr) {
        try {
            String h = URI.create(addr).getHost();
            if (h == null) {
                throw new IllegalArgumentException("no host");
            }
            return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "invalid server address '" + addr + "' (KEYWAY_ADDR or --addr): expected a URL "
                    + "like http://127.0.0.1:9790");
        }
    }

    private static String caPem(ApiClient api) {
        return api.getText("/v1/ca.pem");
    }

    /** {@code run <program> on <host>}, at most 100 characters. */
    static String displayName(@Nullable String program) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        String n = "run " + (program == null ? "env" : program) + " on " + host;
        return n.length() > 100 ? n.substring(0, 100) : n;
    }

    /** Revokes a minted run token; a failure is reported with the command that finishes the job. */
    static void revoke(Prepared p, PrintWriter err) {
        try {
            new ApiClient(p.addr(), p.token(), Path.of("run token")).withVault(null).post("/v1/tokens/revoke-self", Map.of());
        } catch (CliException e) {
            err.println("keyway: could not revoke the run token (" + EnvPrinter.maskToken(p.token()) + "): " + e.getMessage()
                    + "; revoke it with: keyway token revoke --accessor " + p.accessor());
            err.flush();
        }
    }

    private static void revokeQuietly(ApiClient api) {
        try {
            api.post("/v1/tokens/revoke-self", Map.of());
        } catch (CliException e) {
            // it expires on its own
        }
    }
}
