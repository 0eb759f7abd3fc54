package dev.keyway.proxy.spi;

import java.net.InetAddress;
import java.util.List;

/**
 * The SSRF guard: decides which resolved addresses of an upstream host may be dialed. The engine
 * resolves the name, asks this policy, then dials only the vetted addresses (in order, trying the
 * next on failure) and never resolves again for that connection, which defeats DNS rebinding.
 */
public interface UpstreamAddressPolicy {
    Vetted vet(String host, List<InetAddress> resolved);

    sealed interface Vetted {
        /** @param addresses the allowed addresses, in the order to try them; never empty */
        record Allowed(List<InetAddress> addresses) implements Vetted {
            public Allowed {
                addresses = List.copyOf(addresses);
            }
        }

        /** @param reason names the address and the range it falls in, e.g. {@code 10.0.0.5 is private (10.0.0.0/8)} */
        record Blocked(String reason) implements Vetted {}
    }
}
