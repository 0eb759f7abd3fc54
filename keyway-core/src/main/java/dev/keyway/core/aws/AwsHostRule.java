package dev.keyway.core.aws;

import dev.keyway.core.error.KeywayException;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One host a sign-mode grant is bound to: an exact name ({@code minio.internal:9000},
 * {@code 127.0.0.1}) or a suffix wildcard of any depth ({@code *.amazonaws.com} matches
 * {@code sts.amazonaws.com} and {@code bucket.s3.us-east-1.amazonaws.com}), optionally with a port.
 *
 * <p>This is deliberately separate from service host patterns, which refuse public-suffix
 * wildcards: {@code *.amazonaws.com} would be far too broad for injecting a static secret, but for
 * re-signing it is exactly right, because a SigV4 signature is scoped to one service and region
 * and AWS checks it.
 *
 * @param host the exact host, or the suffix (without {@code *.}) when {@code wildcard}
 * @param port the port, or null for any
 */
public record AwsHostRule(String host, boolean wildcard, @Nullable Integer port) {
    /** The hosts a sign-mode grant covers when none are given. */
    public static final List<String> DEFAULTS = List.of("*.amazonaws.com", "*.api.aws");

    /** Parses {@code HOST[:PORT]} or {@code *.SUFFIX[:PORT]}; a validation error names what is wrong. */
    public static AwsHostRule parse(String text) {
        if (text == null || text.isBlank()) {
            throw invalid("a host is empty");
        }
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.contains("://") || s.contains("/") || s.contains("@") || s.contains("?")) {
            throw invalid("host '" + text.strip() + "' must be a host name with an optional port, without scheme or path");
        }
        Integer port = null;
        String h = s;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) {
                throw invalid("host '" + s + "' has an unclosed '['");
            }
            h = s.substring(1, end);
            if (end + 1 < s.length()) {
                port = port(s.substring(end + 1), s);
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') == colon) {
                port = port(s.substring(colon), s);
                h = s.substring(0, colon);
            }
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        boolean wildcard = h.startsWith("*.");
        String name = wildcard ? h.substring(2) : h;
        if (name.isEmpty() || name.equals("*")) {
            throw invalid("host '" + s + "' matches everything; name a domain, e.g. *.amazonaws.com");
        }
        if (wildcard && !name.contains(".")) {
            throw invalid("wildcard '" + s + "' covers a whole top-level domain; use e.g. *.amazonaws.com");
        }
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                throw invalid("host '" + s + "' has an empty or over-long label");
            }
            if (!label.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == ':')) {
                throw invalid("host '" + s + "' contains a character not allowed in a host name (use '*.' only as the "
                        + "first label)");
            }
        }
        return new AwsHostRule(name, wildcard, port);
    }

    private static Integer port(String suffix, String whole) {
        if (!suffix.startsWith(":") || suffix.length() < 2) {
            throw invalid("host '" + whole + "' has a malformed port");
        }
        try {
            int p = Integer.parseInt(suffix.substring(1));
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw invalid("host '" + whole + "' has a port outside 1-65535");
        }
    }

    /** Whether a request to {@code requestHost:requestPort} (lower-case host) is covered. */
    public boolean matches(String requestHost, int requestPort) {
        if (port != null && port != requestPort) {
            return false;
        }
        String h = requestHost.endsWith(".") ? requestHost.substring(0, requestHost.length() - 1) : requestHost;
        return wildcard ? h.endsWith("." + host) : h.equals(host);
    }

    /** The rule as written, normalized ({@code *.amazonaws.com}, {@code minio.local:9000}). */
    @Override
    public String toString() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return (wildcard ? "*." : "") + h + (port == null ? "" : ":" + port);
    }

    private static KeywayException invalid(String detail) {
        return KeywayException.validation("hosts", detail);
    }
}
