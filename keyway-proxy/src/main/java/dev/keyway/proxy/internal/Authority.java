package dev.keyway.proxy.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A host and port as named by a CONNECT line, an absolute URL or a Host header, normalised for
 * comparison: lower case, no IPv6 brackets, no trailing dot.
 *
 * @param host the host, lower case, without brackets
 * @param port the port
 */
public record Authority(String host, int port) {

    /**
     * Parses {@code host[:port]} ({@code authority-form}, RFC 9112 §3.2.3; IPv6 as
     * {@code [addr]:port}). Returns null when malformed (the caller answers 400).
     */
    public static @Nullable Authority parse(@Nullable String value, int defaultPort) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        if (v.isEmpty() || v.length() > 300) {
            return null;
        }
        String host;
        String portPart = null;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = v.substring(1, close);
            String rest = v.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return null;
                }
                portPart = rest.substring(1);
            }
            if (host.indexOf(':') < 0 || !validIpv6(host)) {
                return null;
            }
        } else {
            int colon = v.lastIndexOf(':');
            if (colon >= 0) {
                if (v.indexOf(':') != colon) {
                    return null; // bare IPv6 without brackets
                }
                host = v.substring(0, colon);
                portPart = v.substring(colon + 1);
            } else {
                host = v;
            }
            if (!validRegName(host)) {
                return null;
            }
        }
        int port = defaultPort;
        if (portPart != null) {
            if (portPart.isEmpty() || portPart.length() > 5) {
                return null;
            }
            try {
                port = Integer.parseInt(portPart);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (port < 1 || port > 65535) {
            return null;
        }
        return new Authority(normalise(host), port);
    }

    /** An IPv6 literal without a zone id (a zone names a local interface: never an egress target). */
    private static boolean validIpv6(String host) {
        if (host.indexOf('%') >= 0) {
            return false;
        }
        try {
            return InetAddress.ofLiteral(host) instanceof Inet6Address;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean validRegName(String host) {
        if (host.isEmpty() || host.startsWith(".") || host.contains("..")) {
            return false; // an empty label ("a..com", ".a.com"): not a host name; one trailing dot is fine
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Lower case, without a trailing dot. */
    public static String normalise(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") && h.length() > 1 ? h.substring(0, h.length() - 1) : h;
    }

    /**
     * Whether a Host header (or {@code :authority}) names this target. The port may be omitted when
     * it is the scheme's default.
     */
    public boolean matchesHostHeader(@Nullable String hostHeader, int schemeDefaultPort) {
        Authority other = parse(hostHeader, schemeDefaultPort);
        return other != null && other.host.equals(host) && other.port == port;
    }

    /** The value for an upstream Host header: the default port is omitted; IPv6 is bracketed. */
    public String hostHeader(int schemeDefaultPort) {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == schemeDefaultPort ? h : h + ":" + port;
    }

    @Override
    public String toString() {
        return hostHeader(-1);
    }
}
