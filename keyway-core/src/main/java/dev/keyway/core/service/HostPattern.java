package dev.keyway.core.service;

import java.net.IDN;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A parsed, normalised service host pattern: an exact host ({@code api.example.com}), a one-label
 * wildcard ({@code *.example.com} matches {@code a.example.com}, not {@code example.com} nor
 * {@code a.b.example.com}), or (with {@code allow_private}) an IP literal; optionally with a
 * {@code :port}. Without a port the pattern matches every port.
 *
 * <p>Normalisation (applied to patterns and to the hosts being matched alike): ASCII lower case,
 * one trailing dot removed, Unicode names converted to their IDNA ASCII form ({@code xn--...}),
 * IPv6 literals unbracketed and written in {@link InetAddress#getHostAddress()} form.
 *
 * <p>Parsing checks syntax only. Policy (no public-suffix wildcards, no internal names or IPs
 * without {@code allow_private}) is {@link ServiceValidator}'s job.
 *
 * @param host the normalised host; for a wildcard, the part after {@code *.}
 * @param wildcard whether the pattern is {@code *.host}
 * @param port the port, or {@link #ANY_PORT}
 * @param kind DNS name or IP literal
 */
public record HostPattern(String host, boolean wildcard, int port, Kind kind) {

    /** Marker for a pattern without a port. */
    public static final int ANY_PORT = -1;

    /** What the host part is. */
    public enum Kind {
        DNS,
        IPV4,
        IPV6
    }

    /**
     * Parses a pattern.
     *
     * @throws IllegalArgumentException with a user-facing message when the syntax is wrong
     */
    public static HostPattern parse(String pattern) {
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (pattern.contains("://")) {
            throw new IllegalArgumentException("'" + pattern + "' is a URL; write just the host, e.g. api.example.com");
        }
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException("host contains a space or control character");
            }
            if (c == '/' || c == '?' || c == '#' || c == '@') {
                throw new IllegalArgumentException("'" + pattern
                        + "' must be a host name only, without path, query or user (put paths in 'paths')");
            }
        }
        String hostPart;
        int port = ANY_PORT;
        if (pattern.startsWith("[")) {
            int close = pattern.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + pattern + "': unclosed '[' in IPv6 literal");
            }
            hostPart = pattern.substring(1, close);
            String rest = pattern.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("'" + pattern + "': unexpected text after ']'");
                }
                port = parsePort(rest.substring(1));
            }
            return new HostPattern(ipv6(hostPart, pattern), false, port, Kind.IPV6);
        }
        int colons = (int) pattern.chars().filter(c -> c == ':').count();
        if (colons > 1) {
            return new HostPattern(ipv6(pattern, pattern), false, ANY_PORT, Kind.IPV6);
        }
        if (colons == 1) {
            int colon = pattern.indexOf(':');
            hostPart = pattern.substring(0, colon);
            port = parsePort(pattern.substring(colon + 1));
        } else {
            hostPart = pattern;
        }
        if (hostPart.equals("*") || hostPart.equals("*.")) {
            throw new IllegalArgumentException(
                    "a bare '*' would match every host; name the host, or use *.example.com for one label");
        }
        boolean wildcard = hostPart.startsWith("*.");
        String base = wildcard ? hostPart.substring(2) : hostPart;
        if (base.indexOf('*') >= 0) {
            throw new IllegalArgumentException(
                    "'" + pattern + "': '*' is only allowed as the whole first label, as in *.example.com");
        }
        String normalized = normalizeDnsName(base, pattern);
        if (looksNumeric(normalized)) {
            if (wildcard) {
                throw new IllegalArgumentException("'" + pattern + "': a wildcard cannot be combined with an IP address");
            }
            if (!isDottedQuad(normalized)) {
                throw new IllegalArgumentException(
                        "'" + pattern + "' looks like an IP address; write IPv4 as a dotted quad such as 10.0.0.1");
            }
            return new HostPattern(normalized, false, port, Kind.IPV4);
        }
        return new HostPattern(normalized, wildcard, port, Kind.DNS);
    }

    /**
     * Normalises a host being matched (from CONNECT or an absolute URL) the way patterns are
     * normalised. Returns the host itself when it is already normal (no allocation); null when it
     * is not a valid host at all (it then matches nothing).
     */
    public static @Nullable String normalizeHost(String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.indexOf('[') >= 0 || h.indexOf(']') >= 0) {
            return null; // brackets only ever enclose one IPv6 literal ("[[]]" normalised twice gave two answers)
        }
        if (h.indexOf(':') >= 0) {
            try {
                InetAddress a = InetAddress.ofLiteral(h);
                return a.getHostAddress();
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.isEmpty() || h.startsWith(".") || h.endsWith(".") || h.contains("..")) {
            return null; // an empty label: not a host (and "a.com.." must not become "a.com." then "a.com")
        }
        for (int i = 0; i < h.length(); i++) {
            if (h.charAt(i) >= 0x80) {
                try {
                    h = IDN.toASCII(h, IDN.USE_STD3_ASCII_RULES);
                } catch (IllegalArgumentException e) {
                    return null;
                }
                break;
            }
        }
        return h.toLowerCase(Locale.ROOT);
    }

    /** Whether this pattern matches an already {@link #normalizeHost normalised} host and a port. */
    public boolean matches(String normalizedHost, int requestPort) {
        return (port == ANY_PORT || port == requestPort) && matchesHost(normalizedHost);
    }

    /** Whether the host part matches, ignoring the port. */
    public boolean matchesHost(String normalizedHost) {
        if (!wildcard) {
            return host.equals(normalizedHost);
        }
        int labelEnd = normalizedHost.length() - host.length() - 1;
        return labelEnd > 0
                && normalizedHost.endsWith(host)
                && normalizedHost.charAt(labelEnd) == '.'
                && normalizedHost.lastIndexOf('.', labelEnd - 1) < 0;
    }

    /** Whether the host is an IP literal. */
    public boolean isIpLiteral() {
        return kind != Kind.DNS;
    }

    /** Whether the pattern names a port. */
    public boolean hasPort() {
        return port != ANY_PORT;
    }

    /** The canonical text of the pattern, e.g. {@code *.example.com:8443} or {@code [::1]:8080}. */
    @Override
    public String toString() {
        String h = kind == Kind.IPV6 ? "[" + host + "]" : (wildcard ? "*." + host : host);
        return port == ANY_PORT ? h : h + ":" + port;
    }

    private static int parsePort(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("port '" + text + "' must be a number from 1 to 65535");
        }
        int p = Integer.parseInt(text);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " must be from 1 to 65535");
        }
        return p;
    }

    private static String ipv6(String literal, String pattern) {
        try {
            InetAddress a = InetAddress.ofLiteral(literal);
            if (!(a instanceof Inet6Address) && !literal.contains(":")) {
                throw new IllegalArgumentException("not IPv6");
            }
            return a.getHostAddress();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + pattern + "' is not a valid IPv6 address"
                    + " (write IPv6 in brackets, e.g. [2001:db8::1]:8080)");
        }
    }

    private static String normalizeDnsName(String name, String pattern) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty()) {
            throw new IllegalArgumentException("'" + pattern + "' has an empty host name");
        }
        if (!n.chars().allMatch(c -> c < 0x80)) {
            try {
                n = IDN.toASCII(n, IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + pattern + "' is not a valid internationalised host name");
            }
        }
        n = n.toLowerCase(Locale.ROOT);
        if (n.length() > 253) {
            throw new IllegalArgumentException("'" + pattern + "' is longer than 253 characters");
        }
        for (String label : n.split("\\.", -1)) {
            if (label.isEmpty()) {
                throw new IllegalArgumentException("'" + pattern + "' has an empty label (two dots in a row)");
            }
            if (label.length() > 63) {
                throw new IllegalArgumentException("'" + pattern + "' has a label longer than 63 characters");
            }
            if (!label.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                throw new IllegalArgumentException(
                        "'" + pattern + "': host names may contain only letters, digits, '-' and '.'");
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                throw new IllegalArgumentException("'" + pattern + "': a label may not start or end with '-'");
            }
        }
        return n;
    }

    /** The WHATWG URL rule: a host whose last label is a number is an IPv4 address, never a name. */
    private static boolean looksNumeric(String name) {
        String last = name.substring(name.lastIndexOf('.') + 1);
        if (last.startsWith("0x")) {
            return last.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0);
        }
        return last.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static boolean isDottedQuad(String name) {
        String[] parts = name.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.startsWith("0"))) {
                return false;
            }
            if (!p.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
