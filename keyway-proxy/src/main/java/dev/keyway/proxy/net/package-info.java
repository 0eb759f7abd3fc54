/**
 * Network-level safety for the proxy's upstream leg: the SSRF guard that decides which resolved
 * addresses may be dialed, and the small CIDR value it is configured with. Pure decisions, no I/O:
 * the engine resolves names and hands the addresses in.
 */
@NullMarked
package dev.keyway.proxy.net;

import org.jspecify.annotations.NullMarked;
