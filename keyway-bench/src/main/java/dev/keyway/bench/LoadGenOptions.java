package dev.keyway.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one {@link LoadGen} run does, parsed from its command line. There is deliberately no way to
 * switch off certificate verification: the upstream's CA and (for proxied runs) Keyway's CA are
 * passed with {@code --ca}, so a run exercises the same trust path an agent does.
 *
 * @param target the HTTPS URL requested (host, port and path with query)
 * @param proxyHost HTTP CONNECT proxy host, or null to connect directly
 * @param proxyPort proxy port (0 without a proxy)
 * @param proxyUser user part of {@code Proxy-Authorization: Basic} (a Keyway token), or null
 * @param proxyPassword password part (the vault name), or null
 * @param caFiles PEM files whose certificates are trusted (the upstream's CA, Keyway's CA)
 * @param newConnection true: new TCP connection, CONNECT and TLS handshake per request
 * @param tlsResume allow TLS session resumption across connections (off: every handshake is full,
 *     like a fresh agent process)
 * @param label the scenario name; a direct and a proxied run with the same label are compared
 * @param samplePid a process (the proxy) whose CPU time and peak RSS are reported, or 0
 * @param clockTicks the kernel's USER_HZ, for /proc CPU times ({@code getconf CLK_TCK})
 * @param expectAuth count a response without {@code X-Upstream-Auth: bearer} as an error
 *     ({@code auth-missing}): checks that the proxy really injected a credential
 * @param headers extra request headers as {@code name, value} pairs (e.g. the placeholder
 *     {@code Authorization: Bearer ...} an agent sends and the proxy replaces)
 * @param system which system this run measured (direct, squid, keyway-disk, ...), or null: lets
 *     {@link SideBySide} put runs of several proxies side by side
 * @param round the interleaved round this run belongs to (0 when not part of rounds)
 */
public record LoadGenOptions(
        URI target,
        @Nullable String proxyHost,
        int proxyPort,
        @Nullable String proxyUser,
        @Nullable String proxyPassword,
        List<Path> caFiles,
        int concurrency,
        Duration duration,
        Duration warmup,
        boolean newConnection,
        boolean tlsResume,
        int threads,
        Duration timeout,
        String label,
        @Nullable Path jsonOut,
        long samplePid,
        int clockTicks,
        boolean expectAuth,
        List<Map.Entry<String, String>> headers,
        @Nullable String system,
        int round) {

    public static final String USAGE = """
            Usage: LoadGen --target https://host:port/path [options]
              --proxy HOST:PORT        go through this HTTP CONNECT proxy
              --proxy-auth TOKEN:VAULT Proxy-Authorization: Basic base64(TOKEN:VAULT)
              --ca FILE                trust the certificates in this PEM file (repeatable)
              --concurrency N          parallel connections (default 16)
              --duration D             measured time, e.g. 20s, 500ms, 1m (default 20s)
              --warmup D               unmeasured time before it (default 5s)
              --mode keepalive|newconn keep connections open, or new TCP+CONNECT+TLS per request
              --tls-resume             allow TLS session resumption (default: full handshakes)
              --threads N              event-loop threads (default: available processors)
              --timeout D              per-request timeout (default 30s)
              --label TEXT             name of this run in the output
              --json-out FILE          also append the JSON result line to FILE
              --sample-pid PID         report CPU and peak RSS of this process (the proxy)
              --clk-tck N              USER_HZ for /proc CPU times (default 100)
              --expect-auth            count responses the upstream saw without a bearer token as errors
              --header 'Name: value'   add this request header (repeatable)
              --system NAME            name of the system measured (direct, squid, keyway-disk, ...)
              --round N                interleaved round number, for medians across rounds
            There is no option to skip certificate verification: pass the right --ca files.""";

    public LoadGenOptions {
        caFiles = List.copyOf(caFiles);
        headers = List.copyOf(headers);
    }

    public boolean viaProxy() {
        return proxyHost != null;
    }

    public String host() {
        return target.getHost();
    }

    public int port() {
        return target.getPort() < 0 ? 443 : target.getPort();
    }

    /** Path and query as sent in the request line. */
    public String pathAndQuery() {
        String p = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
        return target.getRawQuery() == null ? p : p + "?" + target.getRawQuery();
    }

    /**
     * Parses a command line.
     *
     * @throws IllegalArgumentException with a message for the user (print {@link #USAGE} with it)
     */
    public static LoadGenOptions parse(String... args) {
        URI target = null;
        String proxyHost = null;
        int proxyPort = 0;
        String user = null;
        String password = null;
        List<Path> cas = new ArrayList<>();
        int concurrency = 16;
        Duration duration = Duration.ofSeconds(20);
        Duration warmup = Duration.ofSeconds(5);
        boolean newConn = false;
        boolean resume = false;
        int threads = Runtime.getRuntime().availableProcessors();
        Duration timeout = Duration.ofSeconds(30);
        String label = null;
        Path jsonOut = null;
        long pid = 0;
        int clkTck = 100;
        boolean expectAuth = false;
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String system = null;
        int round = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--target" -> target = parseTarget(value(args, ++i, a));
                case "--proxy" -> {
                    String v = value(args, ++i, a);
                    int c = v.lastIndexOf(':');
                    if (c <= 0) {
                        throw new IllegalArgumentException("--proxy must be HOST:PORT, got '" + v + "'");
                    }
                    proxyHost = v.substring(0, c);
                    proxyPort = positive(a, v.substring(c + 1));
                }
                case "--proxy-auth" -> {
                    String v = value(args, ++i, a);
                    int c = v.indexOf(':');
                    if (c <= 0) {
                        throw new IllegalArgumentException("--proxy-auth must be TOKEN:VAULT");
                    }
                    user = v.substring(0, c);
                    password = v.substring(c + 1);
                }
                case "--ca" -> cas.add(Path.of(value(args, ++i, a)));
                case "--concurrency", "-c" -> concurrency = positive(a, value(args, ++i, a));
                case "--duration", "-d" -> duration = duration(a, value(args, ++i, a));
                case "--warmup" -> warmup = duration(a, value(args, ++i, a));
                case "--mode" -> {
                    String v = value(args, ++i, a).toLowerCase(Locale.ROOT);
                    newConn = switch (v) {
                        case "keepalive", "keep-alive" -> false;
                        case "newconn", "new-conn", "newconnection" -> true;
                        default -> throw new IllegalArgumentException("--mode must be keepalive or newconn, got '" + v + "'");
                    };
                }
                case "--tls-resume" -> resume = true;
                case "--threads" -> threads = positive(a, value(args, ++i, a));
                case "--timeout" -> timeout = duration(a, value(args, ++i, a));
                case "--label" -> label = value(args, ++i, a);
                case "--json-out" -> jsonOut = Path.of(value(args, ++i, a));
                case "--sample-pid" -> pid = positive(a, value(args, ++i, a));
                case "--clk-tck" -> clkTck = positive(a, value(args, ++i, a));
                case "--expect-auth" -> expectAuth = true;
                case "--header", "-H" -> headers.add(header(value(args, ++i, a)));
                case "--system" -> system = value(args, ++i, a);
                case "--round" -> round = positive(a, value(args, ++i, a));
                case "--insecure-upstream", "--insecure", "-k" -> throw new IllegalArgumentException(
                        a + " is not supported: trust the upstream's and Keyway's CA with --ca FILE");
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (target == null) {
            throw new IllegalArgumentException("--target is required");
        }
        if (user != null && proxyHost == null) {
            throw new IllegalArgumentException("--proxy-auth needs --proxy");
        }
        if (duration.isZero()) {
            throw new IllegalArgumentException("--duration must be positive");
        }
        if (label == null) {
            label = (newConn ? "newconn " : "keepalive ") + target.getRawPath();
        }
        return new LoadGenOptions(target, proxyHost, proxyPort, user, password, cas, concurrency, duration, warmup,
                newConn, resume, threads, timeout, label, jsonOut, pid, clkTck, expectAuth, headers, system, round);
    }

    private static Map.Entry<String, String> header(String v) {
        int colon = v.indexOf(':');
        if (colon <= 0 || v.substring(0, colon).isBlank() || v.substring(0, colon).strip().contains(" ")) {
            throw new IllegalArgumentException("--header must be 'Name: value', got '" + v + "'");
        }
        return Map.entry(v.substring(0, colon).strip(), v.substring(colon + 1).strip());
    }

    private static URI parseTarget(String v) {
        URI u;
        try {
            u = URI.create(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--target is not a URL: " + v);
        }
        if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("--target must be an https:// URL with a host, got '" + v + "'");
        }
        return u;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int positive(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(option + " must be a positive integer, got '" + v + "'");
    }

    /** {@code 250ms}, {@code 20s}, {@code 2m}, or a plain number of seconds. */
    static Duration duration(String option, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (s.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            } else if (s.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            } else if (s.endsWith("m")) {
                d = Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
            } else {
                d = Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
            }
            if (!d.isNegative()) {
                return d;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(option + " must be a duration like 500ms, 20s or 2m, got '" + v + "'");
    }
}
