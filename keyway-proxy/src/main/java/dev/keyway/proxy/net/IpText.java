package dev.keyway.proxy.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Address literals without DNS: strict parsing (dotted-quad IPv4 only, no zone ids) that keeps an
 * IPv6 spelling of an IPv4-mapped address as 16 bytes, and RFC 5952 formatting for messages.
 */
final class IpText {
    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

    private IpText() {}

    /** The address, or null if the text is not a strict IPv4 or IPv6 literal. */
    static @Nullable InetAddress parse(String text) {
        if (text.contains("%")) {
            return null;
        }
        try {
            if (text.contains(":")) {
                // ofLiteral turns ::ffff:a.b.c.d into an Inet4Address; keep the IPv6 form
                InetAddress a = Inet6Address.ofLiteral(text);
                return a instanceof Inet4Address v4 ? mapped(v4) : a;
            }
            return DOTTED_QUAD.matcher(text).matches() ? Inet4Address.ofLiteral(text) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** An address from raw bytes (4 or 16), never converting mapped IPv6 to IPv4. */
    static InetAddress fromBytes(byte[] bytes) {
        try {
            return bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, -1) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("invalid address length " + bytes.length, e);
        }
    }

    /** {@code ::ffff:a.b.c.d} as a 16-byte IPv6 address. */
    static InetAddress mapped(Inet4Address v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4.getAddress(), 0, b, 12, 4);
        return fromBytes(b);
    }

    /** The last four bytes of a 16-byte address as IPv4. */
    static Inet4Address lastFour(byte[] v6) {
        byte[] b = new byte[4];
        System.arraycopy(v6, 12, b, 0, 4);
        return (Inet4Address) fromBytes(b);
    }

    /** RFC 5952 text: lower case, longest zero run compressed, mapped IPv4 in dotted form. */
    static String format(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return address.getHostAddress();
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0
                && groups[5] == 0xffff) {
            return "::ffff:" + lastFour(b).getHostAddress();
        }
        int bestStart = -1;
        int bestLen = 1; // a single zero group is never compressed
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
