package dev.keyway.proxy.tls;

import java.util.regex.Pattern;

/** Syntax rules for {@link CertificateHost#parse}. */
final class HostSyntax {
    /** Longest name accepted (RFC 1035 limit on the presentation form). */
    static final int MAX_NAME_LENGTH = 253;

    static final Pattern DOTTED_QUAD = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

    /** Labels of 1-63 letters, digits, hyphens or underscores (seen in real names), no edge hyphen. */
    static final Pattern DNS_NAME = Pattern.compile(
            "([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");

    /** An all-numeric last label means a mistyped IPv4 literal (e.g. {@code 10.1}), not a name. */
    static final Pattern NUMERIC_LAST_LABEL = Pattern.compile("(.*\\.)?\\d+");

    private HostSyntax() {}
}
