package dev.keyway.proxy.net;

import static dev.keyway.proxy.net.CidrTest.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.proxy.spi.UpstreamAddressPolicy.Vetted;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressGuardTest {
    private static final String ALLOWED = "allowed";

    private final AddressGuard defaults = new AddressGuard(AddressGuardConfig.defaults());

    /** Expected outcome with default settings: "allowed", or the range the reason must name. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // IPv4 private and special-purpose ranges, including both edges
        "10.0.0.5,                10.0.0.0/8",
        "10.255.255.255,          10.0.0.0/8",
        "9.255.255.255,           allowed",
        "11.0.0.0,                allowed",
        "172.16.0.1,              172.16.0.0/12",
        "172.31.255.255,          172.16.0.0/12",
        "172.15.255.255,          allowed",
        "172.32.0.0,              allowed",
        "192.168.1.1,             192.168.0.0/16",
        "127.0.0.1,               127.0.0.0/8",
        "127.255.255.254,         127.0.0.0/8",
        "0.0.0.0,                 0.0.0.0/8",
        "100.64.0.1,              100.64.0.0/10",
        "100.127.255.255,         100.64.0.0/10",
        "100.63.255.255,          allowed",
        "100.128.0.0,             allowed",
        "169.254.1.1,             169.254.0.0/16",
        "192.0.0.8,               192.0.0.0/24",
        "192.0.2.1,               192.0.2.0/24",
        "198.18.0.1,              198.18.0.0/15",
        "198.19.255.255,          198.18.0.0/15",
        "198.20.0.0,              allowed",
        "198.51.100.7,            198.51.100.0/24",
        "203.0.113.9,             203.0.113.0/24",
        "224.0.0.1,               224.0.0.0/4",
        "239.255.255.255,         224.0.0.0/4",
        "240.0.0.1,               240.0.0.0/4",
        "255.255.255.255,         255.255.255.255/32",
        "8.8.8.8,                 allowed",
        "1.1.1.1,                 allowed",
        // metadata endpoints
        "169.254.169.254,         169.254.169.254/32",
        "169.254.170.2,           169.254.170.2/32",
        "100.100.100.200,         100.100.100.200/32",
        "fd00:ec2::254,           fd00:ec2::254/128",
        "168.63.129.16,           168.63.129.16/32",
        "::ffff:168.63.129.16,    168.63.129.16/32",
        "168.63.129.15,           allowed",
        // IPv6
        "::,                      ::/128",
        "::1,                     ::1/128",
        "100::1,                  100::/64",
        "100:0:0:1::1,            allowed",
        "2001:db8::1,             2001:db8::/32",
        "fc00::1,                 fc00::/7",
        "fdff:ffff::1,            fc00::/7",
        "fe80::1,                 fe80::/10",
        "febf::1,                 fe80::/10",
        "ff02::1,                 ff00::/8",
        "2606:4700:4700::1111,    allowed",
        "2a00:1450:4001::1,       allowed",
        // IPv4-mapped and NAT64 are judged by the embedded IPv4 address
        "::ffff:127.0.0.1,        127.0.0.0/8",
        "::ffff:10.1.2.3,         10.0.0.0/8",
        "::ffff:8.8.8.8,          allowed",
        "::ffff:169.254.169.254,  169.254.169.254/32",
        "64:ff9b::7f00:1,         127.0.0.0/8",
        "64:ff9b::192.168.0.1,    192.168.0.0/16",
        "64:ff9b::808:808,        allowed",
        "64:ff9b::a9fe:a9fe,      169.254.169.254/32",
        // local-use NAT64 (RFC 8215): the /96 form is judged by its IPv4 address, other forms blocked
        "64:ff9b:1::7f00:1,       127.0.0.0/8",
        "64:ff9b:1::10.0.0.1,     10.0.0.0/8",
        "64:ff9b:1::a9fe:a9fe,    169.254.169.254/32",
        "64:ff9b:1::808:808,      allowed",
        "64:ff9b:1:ab::808:808,   64:ff9b:1::/48",
        "64:ff9b:1:0:0:1::808,    64:ff9b:1::/48",
        "64:ff9b:2::808:808,      allowed",
        // 6to4 (2002:wwxx:yyzz::/48) is judged by w.x.y.z
        "2002:7f00:1::1,          127.0.0.0/8",
        "2002:a00:1::,            10.0.0.0/8",
        "2002:c0a8:101:1::5,      192.168.0.0/16",
        "2002:a9fe:a9fe::1,       169.254.169.254/32",
        "2002:808:808::1,         allowed",
        "2002:808:808:ffff::1,    allowed",
        // Teredo (2001:0::/32) reaches IPv4 hosts through relays: blocked as a whole
        "2001::1,                 2001::/32",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2, 2001::/32",
        "2001:0:1:2:3:4:5601:5601, 169.254.169.254/32",
        "2001:4860:4860::8888,    allowed",
        "2001:db8::1,             2001:db8::/32",
        // deprecated site-local
        "fec0::1,                 fec0::/10",
        "feff:ffff::1,            fec0::/10",
    })
    void defaultPolicy(String address, String expected) {
        var reason = defaults.blockReason(ip(address));
        if (expected.equals(ALLOWED)) {
            assertThat(reason).isEmpty();
        } else {
            assertThat(reason).hasValueSatisfying(r -> assertThat(r)
                    .startsWith(IpText.format(ip(address)) + " is ")
                    .contains("(" + expected + ")"));
        }
    }

    @Test
    void reasonTellsHowToAllow() {
        assertThat(defaults.blockReason(ip("127.0.0.1")))
                .contains("127.0.0.1 is loopback (127.0.0.0/8); set --allow-private-upstreams or allow this CIDR to"
                        + " permit it");
        assertThat(defaults.blockReason(ip("::ffff:127.0.0.1")))
                .contains("::ffff:127.0.0.1 is IPv4-mapped 127.0.0.1, which is loopback (127.0.0.0/8); set"
                        + " --allow-private-upstreams or allow this CIDR to permit it");
        assertThat(defaults.blockReason(ip("64:ff9b::a9fe:a9fe")))
                .hasValueSatisfying(r -> assertThat(r)
                        .startsWith("64:ff9b::a9fe:a9fe is NAT64 (64:ff9b::/96) for 169.254.169.254, which is a cloud")
                        .contains("stays blocked even with --allow-private-upstreams")
                        .endsWith("allow exactly 169.254.169.254/32 to permit it"));
    }

    @Test
    void reasonNamesTheEmbeddingAndTheRange() {
        assertThat(defaults.blockReason(ip("2002:7f00:1::1")))
                .contains("2002:7f00:1::1 is 6to4 (2002::/16) for 127.0.0.1, which is loopback (127.0.0.0/8); set"
                        + " --allow-private-upstreams or allow this CIDR to permit it");
        assertThat(defaults.blockReason(ip("64:ff9b:1::a00:1")))
                .contains("64:ff9b:1::a00:1 is local-use NAT64 (64:ff9b:1::/48) for 10.0.0.1, which is private"
                        + " (10.0.0.0/8); set --allow-private-upstreams or allow this CIDR to permit it");
        assertThat(defaults.blockReason(ip("2001::1")))
                .contains("2001::1 is Teredo tunneling (reaches IPv4 hosts through relays) (2001::/32); set"
                        + " --allow-private-upstreams or allow this CIDR to permit it");
        assertThat(defaults.blockReason(ip("2001:0:1:2:3:4:5601:5601")))
                .hasValueSatisfying(r -> assertThat(r)
                        .startsWith("2001:0:1:2:3:4:5601:5601 is Teredo (2001::/32) for 169.254.169.254, which is a"
                                + " cloud metadata endpoint"));
    }

    @Test
    void allowCidrForTheEmbeddedAddressPermitsIt() {
        var guard = new AddressGuard(new AddressGuardConfig(false, List.of("10.1.0.0/16", "2001::/32")));
        assertThat(guard.blockReason(ip("2002:a01:203::1"))).isEmpty();
        assertThat(guard.blockReason(ip("64:ff9b:1::a01:203"))).isEmpty();
        assertThat(guard.blockReason(ip("2001:0:4136:e378:8000:63bf:3fff:fdd2"))).isEmpty();
        assertThat(guard.blockReason(ip("2002:a02:203::1"))).hasValueSatisfying(r -> assertThat(r).contains("(10.0.0.0/8)"));
    }

    @Test
    void jdkStyleMappedAddressIsPlainIpv4() throws Exception {
        // the JDK resolver turns AAAA ::ffff:127.0.0.1 into an Inet4Address; still loopback
        InetAddress jdk = InetAddress.getByAddress(ip("::ffff:127.0.0.1").getAddress());
        assertThat(defaults.blockReason(jdk)).hasValueSatisfying(r -> assertThat(r).contains("(127.0.0.0/8)"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "10.0.0.5,                allowed",
        "127.0.0.1,               allowed",
        "::1,                     allowed",
        "::ffff:127.0.0.1,        allowed",
        "fd12::1,                 allowed",
        "169.254.1.1,             allowed",
        "169.254.169.254,         169.254.169.254/32",
        "169.254.170.2,           169.254.170.2/32",
        "100.100.100.200,         100.100.100.200/32",
        "fd00:ec2::254,           fd00:ec2::254/128",
        "::ffff:169.254.169.254,  169.254.169.254/32",
        "64:ff9b::a9fe:a9fe,      169.254.169.254/32",
        "2001::1,                 allowed",
        "2002:7f00:1::1,          allowed",
        "fec0::1,                 allowed",
        "64:ff9b:1:ab::808:808,   allowed",
        "64:ff9b:1::7f00:1,       allowed",
        "2002:a9fe:a9fe::1,       169.254.169.254/32",
        "64:ff9b:1::a9fe:a9fe,    169.254.169.254/32",
        "2001:0:1:2:3:4:5601:5601, 169.254.169.254/32",
        "168.63.129.16,           168.63.129.16/32",
    })
    void allowPrivateStillBlocksMetadata(String address, String expected) {
        var guard = new AddressGuard(new AddressGuardConfig(true, List.of()));
        check(guard, address, expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "10.1.2.3,                allowed",
        "::ffff:10.1.2.3,         allowed",
        "10.2.0.1,                10.0.0.0/8",
        "169.254.1.1,             allowed",
        "169.254.169.254,         169.254.169.254/32",
        "fd00:ec2::1,             allowed",
        "fd00:ec2::254,           fd00:ec2::254/128",
        "fd01::1,                 fc00::/7",
        "127.0.0.1,               127.0.0.0/8",
    })
    void allowCidrsPermitOnlyTheirRangeAndNeverMetadataByWidth(String address, String expected) {
        var guard = new AddressGuard(
                new AddressGuardConfig(false, List.of("10.1.0.0/16", "169.254.0.0/16", "fd00:ec2::/32")));
        check(guard, address, expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "169.254.169.254,         allowed",
        "::ffff:169.254.169.254,  allowed",
        "169.254.170.2,           169.254.170.2/32",
        "169.254.1.1,             169.254.0.0/16",
        "fd00:ec2::254,           allowed",
        "fd00::1,                 fc00::/7",
    })
    void exactAllowEntryPermitsMetadata(String address, String expected) {
        var guard = new AddressGuard(new AddressGuardConfig(false, List.of("169.254.169.254/32", "fd00:ec2::254/128")));
        check(guard, address, expected);
    }

    @Test
    void vetKeepsAllowedAddressesInOrder() {
        List<InetAddress> resolved = ips("10.0.0.1", "8.8.8.8", "127.0.0.1", "2606:4700::1", "1.1.1.1");
        assertThat(defaults.vet("mixed.example", resolved))
                .isEqualTo(new Vetted.Allowed(ips("8.8.8.8", "2606:4700::1", "1.1.1.1")));
    }

    @Test
    void vetBlocksWhenNothingIsAllowedWithFirstReason() {
        assertThat(defaults.vet("internal.example", ips("10.0.0.1", "127.0.0.1")))
                .isEqualTo(new Vetted.Blocked(
                        "10.0.0.1 is private (10.0.0.0/8); set --allow-private-upstreams or allow this CIDR to permit it"));
    }

    @Test
    void vetBlocksTheWholeNameWhenAnyAddressIsMetadata() {
        var guard = new AddressGuard(new AddressGuardConfig(true, List.of()));
        assertThat(guard.vet("rebind.example", ips("8.8.8.8", "169.254.169.254")))
                .isInstanceOfSatisfying(Vetted.Blocked.class, b -> assertThat(b.reason())
                        .startsWith("169.254.169.254 is a cloud metadata endpoint"));
    }

    @Test
    void vetBlocksEmptyResolution() {
        assertThat(defaults.vet("nothing.example", List.of()))
                .isEqualTo(new Vetted.Blocked("nothing.example resolved to no addresses"));
    }

    @Test
    void configValidatesCidrs() {
        assertThatThrownBy(() -> new AddressGuardConfig(false, List.of("10.0.0.0/8", "10.0.0.1/8")))
                .isInstanceOf(KeywayException.class)
                .hasMessage("invalid CIDR '10.0.0.1/8': address has bits set beyond the /8 prefix; did you mean"
                        + " 10.0.0.0/8?");
    }

    private static void check(AddressGuard guard, String address, String expected) {
        var reason = guard.blockReason(ip(address));
        if (expected.equals(ALLOWED)) {
            assertThat(reason).isEmpty();
            assertThat(guard.vet("h", List.of(ip(address)))).isEqualTo(new Vetted.Allowed(List.of(ip(address))));
        } else {
            assertThat(reason).hasValueSatisfying(r -> assertThat(r).contains("(" + expected + ")"));
            assertThat(guard.vet("h", List.of(ip(address)))).isInstanceOf(Vetted.Blocked.class);
        }
    }

    private static List<InetAddress> ips(String... texts) {
        return Stream.of(texts).map(CidrTest::ip).toList();
    }

    @Test
    void toStringShowsTheConfigurationForStartupLogs() {
        var guard = new AddressGuard(new AddressGuardConfig(false, List.of("10.1.0.0/16")));
        assertThat(guard.toString()).isEqualTo("AddressGuard[allowPrivate=false, allow=[10.1.0.0/16]]");
        assertThat(new AddressGuard(new AddressGuardConfig(true, List.of())).toString())
                .isEqualTo("AddressGuard[allowPrivate=true, allow=[]]");
    }
}
