package dev.keyway.proxy.tls;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.net.IDN;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;

/**
 * The identity a leaf certificate is minted for: either a DNS name or an IP literal, normalized so
 * that every spelling of one host ({@code Example.COM.}, {@code example.com}; {@code [::1]},
 * {@code 0:0::1}) maps to one certificate and one cache entry.
 *
 * <p>DNS names are converted to their IDNA ASCII form and lower-cased, since certificate
 * {@code dNSName} entries are ASCII and clients compare them case-insensitively. IP literals become
 * {@code iPAddress} SAN entries, which is what clients match when they connect to an address.
 */
public sealed interface CertificateHost {

    /** The canonical text: the ASCII DNS name, or the IP address (no brackets, no zone). */
    String key();

    /** A DNS host name in lower-case IDNA ASCII form, without a trailing dot. */
    record Dns(String name) implements CertificateHost {
        public Dns {
            if (name.length() > HostSyntax.MAX_NAME_LENGTH
                    || !HostSyntax.DNS_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a normalized DNS name; use CertificateHost.parse");
            }
        }

        @Override
        public String key() {
            return name;
        }
    }

    /** An IPv4 or IPv6 address literal. */
    record Ip(InetAddress address) implements CertificateHost {
        @Override
        public String key() {
            return address instanceof Inet6Address
                    ? address.getHostAddress().replaceFirst("%.*$", "")
                    : address.getHostAddress();
        }
    }

    /**
     * Parses a CONNECT host (a DNS name, a dotted-quad IPv4 literal, or an IPv6 literal with or
     * without brackets).
     *
     * @throws KeywayException ({@code malformed-request}) when it is neither
     */
    static CertificateHost parse(String hostOrIp) {
        String s = hostOrIp.strip();
        boolean bracketed = s.startsWith("[") && s.endsWith("]");
        if (bracketed) {
            s = s.substring(1, s.length() - 1);
        }
        if (bracketed || s.contains(":")) {
            try {
                return new Ip(Inet6Address.ofLiteral(s));
            } catch (IllegalArgumentException e) {
                throw invalid(hostOrIp);
            }
        }
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        if (HostSyntax.DOTTED_QUAD.matcher(s).matches()) {
            return new Ip(Inet4Address.ofLiteral(s));
        }
        String ascii;
        try {
            ascii = IDN.toASCII(s, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw invalid(hostOrIp);
        }
        if (ascii.isEmpty()
                || ascii.length() > HostSyntax.MAX_NAME_LENGTH
                || !HostSyntax.DNS_NAME.matcher(ascii).matches()
                || HostSyntax.NUMERIC_LAST_LABEL.matcher(ascii).matches()) {
            throw invalid(hostOrIp);
        }
        return new Dns(ascii);
    }

    private static KeywayException invalid(String raw) {
        String shown = raw.length() > 80 ? raw.substring(0, 80) + "..." : raw;
        shown = shown.replaceAll("\\p{Cntrl}", "?");
        return new KeywayException(
                ErrorType.MALFORMED_REQUEST, "'" + shown + "' is not a valid host name or IP address");
    }
}
