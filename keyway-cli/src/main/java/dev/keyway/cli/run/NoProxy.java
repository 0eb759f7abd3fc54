package dev.keyway.cli.run;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which hosts the child reaches directly instead of through the proxy ({@code NO_PROXY}): loopback,
 * the Keyway server itself and the user's additions, but never a host one of the token's services
 * is bound to (a local LLM gateway on {@code localhost}, say): traffic to a bound host must go
 * through Keyway or it would leave without its credential. Entries use curl's rules: a bare domain
 * also covers its subdomains, a leading {@code .} or {@code *.} is the same, {@code *} covers all.
 */
public final class NoProxy {
    /** Always bypassed unless a service is bound to them. */
    public static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1", "::1");

    private NoProxy() {}

    /**
     * The {@code NO_PROXY} entries, in order, without duplicates and without any entry that covers a
     * host in {@code servicePatterns} (raw service hosts: {@code api.example.com},
     * {@code localhost:11434}, {@code *.example.com}).
     */
    public static List<String> entries(String keywayHost, Collection<String> extra, Collection<String> servicePatterns) {
        Set<String> seen = new LinkedHashSet<>();
        List<String> candidates = new ArrayList<>(LOOPBACK);
        candidates.add(keywayHost);
        candidates.addAll(extra);
        List<String> out = new ArrayList<>();
        for (String c : candidates) {
            String e = c.strip().toLowerCase(Locale.ROOT);
            if (e.startsWith("[") && e.endsWith("]")) {
                e = e.substring(1, e.length() - 1);
            }
            if (e.isEmpty() || !seen.add(e)) {
                continue;
            }
            String entry = e;
            if (servicePatterns.stream().noneMatch(p -> covers(entry, p))) {
                out.add(entry);
            }
        }
        return out;
    }

    /** Whether a {@code NO_PROXY} entry would send some traffic for the service host pattern around the proxy. */
    public static boolean covers(String entry, String servicePattern) {
        String e = entry.strip().toLowerCase(Locale.ROOT);
        if (e.equals("*")) {
            return true;
        }
        e = stripWildcard(hostOnly(e));
        if (e.isEmpty()) {
            return false;
        }
        String raw = servicePattern.strip().toLowerCase(Locale.ROOT);
        boolean wildcard = raw.startsWith("*.") || raw.startsWith(".");
        String h = hostOnly(raw);
        if (h.equals(e) || h.endsWith("." + e)) {
            return true;
        }
        return wildcard && e.endsWith("." + h); // the entry names one of the wildcard's hosts
    }

    /** {@code Host[:port]} without the port, IPv6 brackets and a wildcard prefix, lower case. */
    public static String hostOnly(String hostPort) {
        String s = hostPort.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            return end < 0 ? s.substring(1) : s.substring(1, end);
        }
        int colon = s.indexOf(':');
        if (colon >= 0 && s.indexOf(':', colon + 1) < 0) {
            s = s.substring(0, colon); // host:port (a single colon; more means a bare IPv6 address)
        }
        return stripWildcard(s);
    }

    private static String stripWildcard(String s) {
        if (s.startsWith("*.")) {
            return s.substring(2);
        }
        return s.startsWith(".") ? s.substring(1) : s;
    }

    /** The same list for the JVM's {@code http.nonProxyHosts} ({@code |}-separated, {@code *} wildcards, IPv6 in brackets). */
    public static String javaNonProxyHosts(List<String> entries) {
        List<String> out = new ArrayList<>();
        for (String e : entries) {
            if (e.equals("*")) {
                out.add("*");
            } else if (e.contains(":")) {
                out.add("[" + e + "]");
            } else if (isIpv4(e) || e.equals("localhost")) {
                out.add(e);
            } else {
                String d = stripWildcard(e);
                out.add(d);
                out.add("*." + d);
            }
        }
        return String.join("|", out);
    }

    private static boolean isIpv4(String s) {
        return s.matches("[0-9.]+") || s.contains("/");
    }
}
