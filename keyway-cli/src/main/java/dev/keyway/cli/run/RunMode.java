package dev.keyway.cli.run;

import dev.keyway.cli.CliException;
import dev.keyway.cli.ExitCodes;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How {@code keyway run} gets its token. <b>Agent mode</b> (unattended: a container, CI, a service)
 * is chosen by {@code KEYWAY_TOKEN}: the supplied token is used as is, never minted, renewed or
 * revoked. <b>Human mode</b> uses the {@code keyway login} session (or the local admin token on the
 * server's machine) to mint a scoped token for this run, revoked when the child exits.
 */
public sealed interface RunMode {
    String DEFAULT_ADDR = "http://127.0.0.1:9790";
    String DEFAULT_TTL = "8h";

    String addr();

    /** The vault asked for ({@code --vault} or {@code KEYWAY_VAULT}), or null to let the token decide. */
    @Nullable String vault();

    /**
     * Agent mode.
     *
     * @param vaultSource where {@link #vault()} came from ({@code --vault} or {@code KEYWAY_VAULT}), for messages
     */
    record Agent(String addr, String token, @Nullable String vault, String vaultSource) implements RunMode {
        @Override
        public String toString() {
            return "Agent[" + addr + ", vault " + vault + "]";
        }
    }

    /** Human mode: {@code loginToken} (from {@code tokenSource}) mints a run token with this TTL and services. */
    record Human(String addr, String loginToken, String tokenSource, @Nullable String vault, String ttl,
            @Nullable List<String> services, boolean keepToken) implements RunMode {
        @Override
        public String toString() {
            return "Human[" + addr + ", vault " + vault + ", from " + tokenSource + "]";
        }
    }

    /** The command-line flags that matter for the mode. */
    record Flags(@Nullable String addr, @Nullable String vault, @Nullable String ttl, @Nullable List<String> services,
            boolean keepToken) {}

    /** A token found on disk for human mode: a live login session (with its end) or the local admin token. */
    record LocalLogin(String token, String source, @Nullable String addr, java.time.@Nullable Instant expiresAt) {
        @Override
        public String toString() {
            return "LocalLogin[" + source + "]";
        }
    }

    /**
     * Chooses the mode from the environment and flags. {@code login} is what was found on disk (null
     * if nothing usable; then {@code loginProblem} says why, e.g. an expired session).
     */
    static RunMode resolve(Map<String, String> env, Flags f, @Nullable LocalLogin login, @Nullable String loginProblem) {
        return resolve(env, f, login, loginProblem, java.time.Instant.now());
    }

    /**
     * As above at instant {@code now}. Without {@code --ttl} the run token lives 8h, or less when the
     * login session ends sooner (a token cannot outlive the one that mints it).
     */
    static RunMode resolve(Map<String, String> env, Flags f, @Nullable LocalLogin login, @Nullable String loginProblem,
            java.time.Instant now) {
        String token = blankToNull(env.get("KEYWAY_TOKEN"));
        String vaultEnv = blankToNull(env.get("KEYWAY_VAULT"));
        String vault = f.vault() != null ? f.vault() : vaultEnv;
        String vaultSource = f.vault() != null ? "--vault" : "KEYWAY_VAULT";
        if (token != null) {
            String addr = f.addr() != null ? f.addr() : blankToNull(env.get("KEYWAY_ADDR"));
            if (addr == null) {
                throw new CliException(ExitCodes.USAGE, "KEYWAY_TOKEN is set (agent mode) but KEYWAY_ADDR is not: set KEYWAY_ADDR "
                        + "to the Keyway server URL (e.g. http://keyway:9790) or pass --addr");
            }
            if (f.ttl() != null) {
                throw new CliException(ExitCodes.USAGE, "--ttl cannot be used with KEYWAY_TOKEN (agent mode): the token's lifetime "
                        + "was fixed when it was minted. Mint a token with the lifetime you want (keyway token create --ttl ...), "
                        + "or unset KEYWAY_TOKEN to mint a run token from your 'keyway login' session");
            }
            if (f.services() != null) {
                throw new CliException(ExitCodes.USAGE, "--services cannot be used with KEYWAY_TOKEN (agent mode): the token's "
                        + "services were fixed when it was minted (keyway token create --services ...)");
            }
            return new Agent(trim(addr), token, vault, vaultSource);
        }
        if (login == null) {
            throw new CliException(ExitCodes.PERMISSION, (loginProblem != null ? loginProblem : "not logged in")
                    + ": run 'keyway login' first, or for unattended runs set KEYWAY_TOKEN, KEYWAY_ADDR and KEYWAY_VAULT");
        }
        String addr = f.addr() != null ? f.addr() : blankToNull(env.get("KEYWAY_ADDR"));
        if (addr == null) {
            addr = login.addr() != null && !login.addr().isBlank() ? login.addr() : DEFAULT_ADDR;
        }
        return new Human(trim(addr), login.token(), login.source(), vault, f.ttl() != null ? f.ttl() : defaultTtl(login.expiresAt(), now),
                f.services(), f.keepToken());
    }

    /** 8h, or the session's remaining life minus 30s when that is shorter (and still over a minute). */
    static String defaultTtl(java.time.@Nullable Instant sessionEnd, java.time.Instant now) {
        if (sessionEnd == null) {
            return DEFAULT_TTL;
        }
        long left = java.time.Duration.between(now, sessionEnd).toSeconds() - 30;
        return left > 60 && left < java.time.Duration.ofHours(8).toSeconds() ? left + "s" : DEFAULT_TTL;
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String trim(String addr) {
        String a = addr.strip();
        while (a.endsWith("/")) {
            a = a.substring(0, a.length() - 1);
        }
        return a;
    }
}
