package dev.keyway.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;

/**
 * Whether the control-plane API's bind address makes it reachable from other machines, and the
 * warning {@code keyway server} prints then. The API is loopback-only by default; binding it to
 * {@code 0.0.0.0} (e.g. for containers) is legitimate but must never happen silently, because the
 * API speaks plain HTTP: tokens and passwords would cross the network unencrypted.
 */
public final class ApiExposure {
    private ApiExposure() {}

    /** True if every address {@code host} names is a loopback address ("localhost", 127.0.0.0/8, ::1). */
    public static boolean loopbackOnly(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.isBlank()) {
            return false; // an empty host binds every interface
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(h)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The warning for an API bound to {@code host:port}, or null when it is loopback-only. */
    public static @Nullable String warning(String host, int port) {
        if (loopbackOnly(host)) {
            return null;
        }
        return "WARNING: the control-plane API listens on " + host + ":" + port + ", reachable from the network.\n"
                + "  What protects it: every API call needs a token or a user session (the admin token is in the data dir,\n"
                + "  0600), logins are rate-limited, and first-run setup needs the setup code from the data dir.\n"
                + "  What does not: the API speaks plain HTTP, so tokens and passwords cross the network unencrypted.\n"
                + "  Bind it to 127.0.0.1 unless it must be reachable; otherwise keep it on a private network (e.g. a\n"
                + "  Docker network) or behind a TLS reverse proxy, and finish 'keyway setup' before exposing it.";
    }
}
