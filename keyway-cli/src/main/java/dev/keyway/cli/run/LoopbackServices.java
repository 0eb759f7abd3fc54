package dev.keyway.cli.run;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The warning {@code keyway run} prints when a service of the run's token is bound to a loopback
 * host (a local model gateway on {@code localhost:11434}, say). Go's {@code net/http} never sends
 * {@code localhost} or a loopback address through a proxy, and Ruby's {@code Net::HTTP} never sends
 * a host that resolves to one, whatever {@code NO_PROXY} says; no variable changes that, so such a
 * program reaches the service directly, without its credential. Nothing can be set for them, so the
 * user is told before the program starts. A pure function of the service list (no DNS lookups).
 */
public final class LoopbackServices {
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(\\.\\d{1,3}){3}");

    private LoopbackServices() {}

    /** The warning, or empty when no service is bound to a loopback host. */
    public static Optional<String> warning(List<ServiceInfo> services) {
        List<String> loopback = services.stream().filter(s -> isLoopback(s.hostName())).map(s -> s.name() + " (" + s.host() + ")")
                .toList();
        if (loopback.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("keyway: warning: " + String.join(", ", loopback) + (loopback.size() == 1 ? " is" : " are")
                + " on a loopback host; Go (net/http) and Ruby (Net::HTTP) programs never send loopback requests through a"
                + " proxy and reach it without the credential (see docs/run.md, client stacks)");
    }

    /** {@code localhost}, a name under {@code .localhost}, {@code 127.0.0.0/8} or {@code ::1}. */
    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.endsWith(".localhost") || IPV4_LOOPBACK.matcher(host).matches()
                || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
    }
}
