package dev.keyway.proxy.net;

import dev.keyway.core.error.KeywayException;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IP address range in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}), as operators write
 * them in {@code --allow-upstream-cidr}. A bare address means that single address ({@code /32} or
 * {@code /128}).
 *
 * <p>An IPv4 range never contains an IPv6 address and vice versa; IPv4-mapped IPv6 addresses are
 * handled by {@link AddressGuard}, not here.
 *
 * @param network the first address of the range (host bits zero)
 * @param prefixLength number of leading bits fixed by the range
 */
public record Cidr(InetAddress network, int prefixLength) {

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("invalid prefix length /" + prefixLength + " for " + IpText.format(network));
        }
        if (!hostBitsZero(network.getAddress(), prefixLength)) {
            throw new IllegalArgumentException(IpText.format(network) + "/" + prefixLength + " has host bits set");
        }
    }

    /**
     * Parses {@code address/prefix} or a bare address.
     *
     * @throws KeywayException ({@code validation}) quoting the bad value and saying what is wrong
     */
    public static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addressText = slash < 0 ? s : s.substring(0, slash);
        InetAddress address = IpText.parse(addressText);
        if (address == null) {
            throw invalid(text, "'" + addressText + "' is not an IPv4 (a.b.c.d) or IPv6 address literal");
        }
        int bits = address.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String prefixText = s.substring(slash + 1);
            if (!prefixText.matches("\\d{1,3}")) {
                throw invalid(text, "prefix length must be a number from 0 to " + bits);
            }
            prefix = Integer.parseInt(prefixText);
            if (prefix > bits) {
                throw invalid(text, "prefix length must be a number from 0 to " + bits);
            }
        }
        if (!hostBitsZero(address.getAddress(), prefix)) {
            Cidr suggestion = new Cidr(IpText.fromBytes(mask(address.getAddress(), prefix)), prefix);
            throw invalid(text, "address has bits set beyond the /" + prefix + " prefix; did you mean " + suggestion + "?");
        }
        return new Cidr(address, prefix);
    }

    /** Whether the address lies in this range (false for the other address family). */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        byte[] masked = mask(a, prefixLength);
        return Arrays.equals(masked, n);
    }

    /** True for an IPv4 range. */
    public boolean isIpv4() {
        return network.getAddress().length == 4;
    }

    /** The canonical text, e.g. {@code 10.0.0.0/8} or {@code fe80::/10}. */
    @Override
    public String toString() {
        return IpText.format(network) + "/" + prefixLength;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.clamp(prefix - 8L * i, 0, 8);
            out[i] = (byte) (out[i] & (0xff00 >> keep));
        }
        return out;
    }

    private static boolean hostBitsZero(byte[] address, int prefix) {
        return Arrays.equals(address, mask(address, prefix));
    }

    private static KeywayException invalid(String text, String why) {
        String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        return KeywayException.validation("allowCidrs", "invalid CIDR '" + shown + "': " + why);
    }
}
