package dev.keyway.proxy.net;

import java.util.List;

/**
 * Operator settings for the SSRF guard.
 *
 * @param allowPrivate {@code --allow-private-upstreams}: permit every special-purpose range
 *     (private, loopback, link-local, ...) except the cloud metadata endpoints; for local development
 *     against services on the same machine or LAN
 * @param allowCidrs ranges permitted even though they are special-purpose, e.g. {@code 10.20.0.0/16}
 *     for one internal network. A metadata endpoint is permitted only by an entry naming exactly its
 *     address ({@code 169.254.169.254/32}), never by a wider range. Validated on construction.
 */
public record AddressGuardConfig(boolean allowPrivate, List<String> allowCidrs) {

    public AddressGuardConfig {
        allowCidrs = List.copyOf(allowCidrs);
        allowCidrs.forEach(Cidr::parse);
    }

    /** The safe default: only public addresses. */
    public static AddressGuardConfig defaults() {
        return new AddressGuardConfig(false, List.of());
    }

    /** The allow entries, parsed. */
    public List<Cidr> cidrs() {
        return allowCidrs.stream().map(Cidr::parse).toList();
    }
}
