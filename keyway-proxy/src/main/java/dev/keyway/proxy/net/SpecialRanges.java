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
            range("169.254.170.2/32", "the AWS ECS task metadata endpoint"),
            // a public address, so only this list blocks it: it serves VM agent configuration and
            // (through its IMDS proxy) tokens to every Azure VM
            range("168.63.129.16/32", "the Azure WireServer (VM agent and metadata endpoint)"));

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

    /**
     * IPv6 ranges blocked as such. The prefixes that embed an IPv4 address the traffic leads to
     * (mapped, NAT64, local-use NAT64 in /96 form, 6to4) are judged by that address instead (see
     * {@link AddressGuard}); Teredo and local-use NAT64 in other forms are listed here because where
     * they lead cannot be read reliably from the address.
     */
    static final List<Range> IPV6 = List.of(
            range("::/128", "unspecified"),
            range("::1/128", "loopback"),
            range("100::/64", "discard-only"),
            range("2001::/32", "Teredo tunneling (reaches IPv4 hosts through relays)"),
            range("2001:db8::/32", "documentation"),
            range("64:ff9b:1::/48", "local-use NAT64 (RFC 8215) in a form other than /96"),
            range("fc00::/7", "unique-local (private)"),
            range("fe80::/10", "link-local"),
            range("fec0::/10", "site-local (deprecated, private)"),
            range("ff00::/8", "multicast"));

    /** IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}): the connection goes to the embedded IPv4 address. */
    static final Cidr IPV4_MAPPED = Cidr.parse("::ffff:0:0/96");

    /** Well-known NAT64 prefix (RFC 6052): a NAT64 gateway forwards to the embedded IPv4 address. */
    static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");

    /**
     * Local-use NAT64 (RFC 8215). A network may use any RFC 6052 prefix length inside it; the
     * common /96 form ({@code 64:ff9b:1::a.b.c.d}, bits 48-95 zero) carries the IPv4 address in the
     * last 32 bits. Other forms are blocked as a whole (see {@link #IPV6}).
     */
    static final Cidr NAT64_LOCAL = Cidr.parse("64:ff9b:1::/48");

    /** 6to4 (RFC 3056): {@code 2002:wwxx:yyzz::/48} is routed to the IPv4 address w.x.y.z. */
    static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

    /** Teredo (RFC 4380): the last 32 bits are the client's IPv4 address, bit-inverted. */
    static final Cidr TEREDO = Cidr.parse("2001::/32");

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
