package dev.keyway.proxy.net;

import java.net.InetAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The address ranges an upstream connection must not reach by default (IANA special-purpose
 * registries, RFC 6890 and successors), each with the word used in the block reason.
 */
final class SpecialRanges {

    /** A blocked range and what it is, e.g. {@code loopback}. */
    record Range(Cidr cidr, String label) {
        boolean contains(InetAddress address) {
            return cidr.contains(address);
        }
    }

    /**
     * Cloud metadata endpoints: blocked even with {@code --allow-private-upstreams}, because
     * reaching them from an agent's request is the classic credential-theft SSRF.
     */
    static final List<Range> METADATA = List.of(
            range("169.254.169.254/32", "a cloud metadata endpoint (AWS, GCP, Azure, OCI)"),
            range("fd00:ec2::254/128", "the AWS IPv6 metadata endpoint"),
            range("100.100.100.200/32", "the Alibaba Cloud metadata endpoint"),
            range("169.254.170.2/32", "the AWS ECS task metadata endpoint"));

    /** IPv4 ranges; more specific entries come first so the reason names the narrowest range. */
    static final List<Range> IPV4 = List.of(
            range("0.0.0.0/8", "unspecified ('this network')"),
            range("10.0.0.0/8", "private"),
            range("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
            range("127.0.0.0/8", "loopback"),
            range("169.254.0.0/16", "link-local"),
            range("172.16.0.0/12", "private"),
            range("192.0.0.0/24", "reserved for IETF protocol assignments"),
            range("192.0.2.0/24", "documentation (TEST-NET-1)"),
            range("192.168.0.0/16", "private"),
            range("198.18.0.0/15", "reserved for benchmarking"),
            range("198.51.100.0/24", "documentation (TEST-NET-2)"),
            range("203.0.113.0/24", "documentation (TEST-NET-3)"),
            range("224.0.0.0/4", "multicast"),
            range("255.255.255.255/32", "broadcast"),
            range("240.0.0.0/4", "reserved"));

    /** IPv6 ranges other than the two that embed IPv4 (handled by {@link AddressGuard}). */
    static final List<Range> IPV6 = List.of(
            range("::/128", "unspecified"),
            range("::1/128", "loopback"),
            range("100::/64", "discard-only"),
            range("2001:db8::/32", "documentation"),
            range("fc00::/7", "unique-local (private)"),
            range("fe80::/10", "link-local"),
            range("ff00::/8", "multicast"));

    /** IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}): the connection goes to the embedded IPv4 address. */
    static final Cidr IPV4_MAPPED = Cidr.parse("::ffff:0:0/96");

    /** Well-known NAT64 prefix (RFC 6052): a NAT64 gateway forwards to the embedded IPv4 address. */
    static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");

    private SpecialRanges() {}

    static @Nullable Range find(List<Range> ranges, InetAddress address) {
        for (Range r : ranges) {
            if (r.contains(address)) {
                return r;
            }
        }
        return null;
    }

    private static Range range(String cidr, String label) {
        return new Range(Cidr.parse(cidr), label);
    }
}
