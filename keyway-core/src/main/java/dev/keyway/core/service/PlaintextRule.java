package dev.keyway.core.service;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * When a credential may travel over plain HTTP. By default never: a service without a port matches
 * {@code http://host:80} as well as {@code https://host:443}, and a plaintext request hands the real
 * key to anyone on the path. A service opts in with {@code allow_plaintext: true}, which the
 * validator accepts only for a host that stays on the machine or the private network:
 *
 * <ul>
 *   <li>a loopback or private IP literal: {@code 127.0.0.0/8}, {@code ::1}, {@code 10.0.0.0/8},
 *       {@code 172.16.0.0/12}, {@code 192.168.0.0/16}, IPv6 unique-local {@code fc00::/7};
 *   <li>{@code localhost} and names under {@code .localhost};
 *   <li>a single-label name ({@code llm-gateway}, resolved by the local resolver's search path);
 *   <li>a name under {@code .internal}, {@code .local} or {@code .lan} (wildcards included).
 * </ul>
 *
 * Link-local addresses are not eligible (cloud metadata lives there), nor are public names: a
 * public host must use TLS. The SSRF guard still vets the address every name resolves to at dial
 * time. Pure functions, table-tested.
 */
public final class PlaintextRule {
    private PlaintextRule() {}

    /** Suffixes of names that only resolve inside a machine or a private network. */
    private static final java.util.List<String> PRIVATE_SUFFIXES = java.util.List.of("localhost", "internal", "local", "lan");

    /** Whether a service with this host may set {@code allow_plaintext}. */
    public static boolean eligible(HostPattern p) {
        return switch (p.kind()) {
            case IPV4, IPV6 -> privateAddress(p.host());
            case DNS -> privateName(p.host().toLowerCase(Locale.ROOT));
        };
    }

    /**
     * Why a request with this scheme may not carry the service's credential, or null when it may:
     * only {@code https} (inside a tunnel) always may; {@code http} only when the service opted in.
     * A service that injects nothing never needs TLS for Keyway's sake.
     */
    public static @Nullable String refusal(ServiceDefinition s, String scheme) {
        if (!"http".equalsIgnoreCase(scheme) || s.allowPlaintext() || s.injection() instanceof Injection.None) {
            return null;
        }
        return "service '" + s.name() + "' sends its credential only over TLS, and this is a plain http:// request;"
                + " use https:// (any HTTPS_PROXY-aware client tunnels it with CONNECT), or, for a private or loopback"
                + " upstream without TLS, set allow_plaintext: true on the service"
                + " ('keyway service add ... --allow-plaintext')";
    }

    private static boolean privateName(String host) {
        if (host.indexOf('.') < 0) {
            return true;
        }
        for (String suffix : PRIVATE_SUFFIXES) {
            if (host.equals(suffix) || host.endsWith("." + suffix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean privateAddress(String literal) {
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(literal);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (a.isLoopbackAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int o0 = b[0] & 0xff;
            int o1 = b[1] & 0xff;
            return o0 == 10 || (o0 == 172 && o1 >= 16 && o1 <= 31) || (o0 == 192 && o1 == 168);
        }
        return a instanceof Inet6Address && (b[0] & 0xfe) == 0xfc;
    }
}
