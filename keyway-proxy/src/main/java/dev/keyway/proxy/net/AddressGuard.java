package dev.keyway.proxy.net;

import dev.keyway.proxy.spi.UpstreamAddressPolicy;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The SSRF guard: stops an agent from using the proxy (and the credentials it injects) to reach
 * internal networks, the proxy host itself, or cloud metadata endpoints.
 *
 * <p>Rules, per resolved address:
 *
 * <ol>
 *   <li>A cloud metadata endpoint ({@code 169.254.169.254}, {@code fd00:ec2::254},
 *       {@code 100.100.100.200}, {@code 169.254.170.2}, Azure's WireServer {@code 168.63.129.16})
 *       is blocked even with {@code allowPrivate}, unless an allow entry is exactly that address ({@code /32} or {@code /128}).
 *   <li>An address in a special-purpose range (private, loopback, link-local, CGNAT, documentation,
 *       benchmarking, multicast, reserved, unspecified; see the IANA registries) is blocked unless
 *       {@code allowPrivate} is set or an allow CIDR contains it.
 *   <li>Everything else is allowed.
 * </ol>
 *
 * <p>IPv6 addresses that lead to an embedded IPv4 address are judged by that IPv4 address, so they
 * cannot smuggle {@code 127.0.0.1} past the guard: IPv4-mapped ({@code ::ffff:a.b.c.d}), NAT64
 * ({@code 64:ff9b::a.b.c.d}), local-use NAT64 in /96 form ({@code 64:ff9b:1::a.b.c.d}) and 6to4
 * ({@code 2002:wwxx:yyzz::/48}). Teredo ({@code 2001::/32}), local-use NAT64 in other forms and the
 * deprecated site-local {@code fec0::/10} are special-purpose ranges of their own (blocked unless
 * {@code allowPrivate}); a Teredo address whose client IPv4 is a metadata endpoint stays blocked.
 *
 * <p>For a name with several addresses ({@link #vet}): if <em>any</em> address is a metadata
 * endpoint the whole name is blocked, since no legitimate public API resolves there and it is the
 * signature of a DNS rebinding attack. Otherwise the blocked addresses are dropped and the allowed
 * ones are returned in their original order (a dual-homed name with one private address keeps
 * working through its public ones); if none is allowed the name is blocked with the first address's
 * reason. Because the engine dials only the returned addresses and never re-resolves, a rebinding
 * answer cannot slip a private address in later.
 */
public final class AddressGuard implements UpstreamAddressPolicy {
    private static final String HOW_TO_ALLOW = "; set --allow-private-upstreams or allow this CIDR to permit it";

    private final boolean allowPrivate;
    private final List<Cidr> allow;

    public AddressGuard(AddressGuardConfig config) {
        this.allowPrivate = config.allowPrivate();
        this.allow = config.cidrs();
    }

    private sealed interface Check {
        record Ok() implements Check {}

        record Refused(String reason, boolean metadata) implements Check {}
    }

    @Override
    public Vetted vet(String host, List<InetAddress> resolved) {
        if (resolved.isEmpty()) {
            return new Vetted.Blocked(host + " resolved to no addresses");
        }
        List<InetAddress> allowed = new ArrayList<>(resolved.size());
        String firstReason = null;
        for (InetAddress address : resolved) {
            switch (check(address)) {
                case Check.Ok _ -> allowed.add(address);
                case Check.Refused(String reason, boolean metadata) -> {
                    if (metadata) {
                        return new Vetted.Blocked(reason);
                    }
                    if (firstReason == null) {
                        firstReason = reason;
                    }
                }
            }
        }
        if (allowed.isEmpty()) {
            return new Vetted.Blocked(firstReason != null ? firstReason : host + " has no allowed address");
        }
        return new Vetted.Allowed(allowed);
    }

    /** Why this single address may not be dialed, or empty when it may. */
    public Optional<String> blockReason(InetAddress address) {
        return check(address) instanceof Check.Refused r ? Optional.of(r.reason()) : Optional.empty();
    }

    /**
     * The IPv4 address an IPv6 address leads to. {@code judged}: the address is judged by it (else it
     * only matters for the metadata rule, as for Teredo).
     */
    private record Embedded(Inet4Address v4, String via, boolean judged) {}

    private static @Nullable Embedded embedded(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length != 16) {
            return null;
        }
        if (SpecialRanges.IPV4_MAPPED.contains(address)) {
            Inet4Address v4 = IpText.lastFour(b);
            return new Embedded(v4, "IPv4-mapped " + v4.getHostAddress(), true);
        }
        if (SpecialRanges.NAT64.contains(address)) {
            Inet4Address v4 = IpText.lastFour(b);
            return new Embedded(v4, "NAT64 (" + SpecialRanges.NAT64 + ") for " + v4.getHostAddress(), true);
        }
        if (SpecialRanges.NAT64_LOCAL.contains(address) && zero(b, 6, 12)) {
            Inet4Address v4 = IpText.lastFour(b);
            return new Embedded(v4, "local-use NAT64 (" + SpecialRanges.NAT64_LOCAL + ") for " + v4.getHostAddress(), true);
        }
        if (SpecialRanges.SIX_TO_FOUR.contains(address)) {
            Inet4Address v4 = v4(b[2], b[3], b[4], b[5]);
            return new Embedded(v4, "6to4 (" + SpecialRanges.SIX_TO_FOUR + ") for " + v4.getHostAddress(), true);
        }
        if (SpecialRanges.TEREDO.contains(address)) {
            Inet4Address v4 = v4((byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]);
            return new Embedded(v4, "Teredo (" + SpecialRanges.TEREDO + ") for " + v4.getHostAddress(), false);
        }
        return null;
    }

    private static boolean zero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static Inet4Address v4(byte a, byte b, byte c, byte d) {
        return (Inet4Address) IpText.fromBytes(new byte[] {a, b, c, d});
    }

    private Check check(InetAddress address) {
        Embedded e = embedded(address);
        InetAddress target = e != null && e.judged() ? e.v4() : address;
        String plain = IpText.format(address);
        String subject = e != null && e.judged() ? plain + " is " + e.via() + ", which" : plain;

        for (SpecialRanges.Range meta : SpecialRanges.METADATA) {
            Embedded via = e != null && meta.contains(e.v4()) ? e : null;
            if (meta.contains(address) || via != null) {
                if (allow.contains(meta.cidr())) {
                    return new Check.Ok();
                }
                String who = via != null ? plain + " is " + via.via() + ", which" : subject;
                return new Check.Refused(
                        who + " is " + meta.label() + " (" + meta.cidr() + ") and stays blocked even with"
                                + " --allow-private-upstreams; allow exactly " + meta.cidr() + " to permit it",
                        true);
            }
        }
        SpecialRanges.Range range = SpecialRanges.find(
                target.getAddress().length == 4 ? SpecialRanges.IPV4 : SpecialRanges.IPV6, target);
        if (range == null || allowPrivate || allowedByCidr(address, target)) {
            return new Check.Ok();
        }
        return new Check.Refused(subject + " is " + range.label() + " (" + range.cidr() + ")" + HOW_TO_ALLOW, false);
    }

    private boolean allowedByCidr(InetAddress address, InetAddress target) {
        for (Cidr c : allow) {
            if (c.contains(address) || c.contains(target)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "AddressGuard[allowPrivate=" + allowPrivate + ", allow=" + allow + "]";
    }
}
