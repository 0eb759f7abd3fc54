package dev.keyway.proxy.net;

import dev.keyway.proxy.spi.UpstreamAddressPolicy;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SSRF guard: stops an agent from using the proxy (and the credentials it injects) to reach
 * internal networks, the proxy host itself, or cloud metadata endpoints.
 *
 * <p>Rules, per resolved address:
 *
 * <ol>
 *   <li>A cloud metadata endpoint ({@code 169.254.169.254}, {@code fd00:ec2::254},
 *       {@code 100.100.100.200}, {@code 169.254.170.2}) is blocked even with {@code allowPrivate},
 *       unless an allow entry is exactly that address ({@code /32} or {@code /128}).
 *   <li>An address in a special-purpose range (private, loopback, link-local, CGNAT, documentation,
 *       benchmarking, multicast, reserved, unspecified; see the IANA registries) is blocked unless
 *       {@code allowPrivate} is set or an allow CIDR contains it.
 *   <li>Everything else is allowed.
 * </ol>
 *
 * <p>IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) and NAT64 ({@code 64:ff9b::a.b.c.d}) addresses are
 * judged by the IPv4 address they lead to, so they cannot smuggle {@code 127.0.0.1} past the guard.
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

    private Check check(InetAddress address) {
        byte[] bytes = address.getAddress();
        Inet4Address embedded = null;
        String via = null;
        if (bytes.length == 16) {
            if (SpecialRanges.IPV4_MAPPED.contains(address)) {
                embedded = IpText.lastFour(bytes);
                via = "IPv4-mapped " + embedded.getHostAddress();
            } else if (SpecialRanges.NAT64.contains(address)) {
                embedded = IpText.lastFour(bytes);
                via = "NAT64 (" + SpecialRanges.NAT64 + ") for " + embedded.getHostAddress();
            }
        }
        InetAddress target = embedded != null ? embedded : address;
        String subject = via == null ? IpText.format(address) : IpText.format(address) + " is " + via + ", which";

        for (SpecialRanges.Range meta : SpecialRanges.METADATA) {
            if (meta.contains(address) || meta.contains(target)) {
                if (allow.contains(meta.cidr())) {
                    return new Check.Ok();
                }
                return new Check.Refused(
                        subject + " is " + meta.label() + " (" + meta.cidr() + ") and stays blocked even with"
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
