package dev.keyway.server.proposal;

import dev.keyway.core.service.HostPattern;
import dev.keyway.core.service.ServiceDefinition;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reviewer warnings about a proposal, as a pure function of the vault's current services and
 * credentials. The one that matters most: a proposal that would send a credential that already
 * exists (and so already works for something) to a host where no existing service sends that
 * credential. That is exactly how a confused or hijacked agent would exfiltrate a key, so the flag
 * is shown prominently by the API, the CLI and webhook notifications. A proposal that would send a
 * credential over plain HTTP ({@code allow_plaintext}) is flagged too.
 */
public final class ProposalFlags {
    /** An existing credential would be sent to a host no existing service sends it to. */
    public static final String EXISTING_CREDENTIAL_NEW_HOST = "existing-credential-new-host";
    /** A proposed service would send its credential over plain HTTP ({@code allow_plaintext}). */
    public static final String PLAINTEXT_CREDENTIAL = "plaintext-credential";

    private ProposalFlags() {}

    /** One warning: the flag slug and a sentence for the reviewer. */
    public record Warning(String flag, String message) {}

    public static List<Warning> analyze(List<ServiceDefinition> existing, Set<String> existingCredentials,
            List<ServiceDefinition> proposed) {
        List<Warning> out = new ArrayList<>();
        for (ServiceDefinition p : proposed) {
            if (p.allowPlaintext() && !p.injection().credentialNames().isEmpty()) {
                out.add(new Warning(PLAINTEXT_CREDENTIAL, "service '" + p.name() + "' would send "
                        + String.join(", ", new TreeSet<>(p.injection().credentialNames())) + " to " + p.host()
                        + " over plain HTTP too (allow_plaintext), readable by anyone on the path"));
            }
            for (String cred : new TreeSet<>(p.injection().credentialNames())) {
                if (!existingCredentials.contains(cred)) {
                    continue;
                }
                Set<String> hostsToday = new LinkedHashSet<>();
                boolean sameHost = false;
                for (ServiceDefinition e : existing) {
                    if (e.injection().credentialNames().contains(cred)) {
                        hostsToday.add(e.host());
                        sameHost |= sameHost(e.host(), p.host());
                    }
                }
                if (!sameHost) {
                    out.add(new Warning(EXISTING_CREDENTIAL_NEW_HOST, "service '" + p.name() + "' would send the existing "
                            + "credential " + cred + " to " + p.host() + ", where no existing service sends it"
                            + (hostsToday.isEmpty() ? " (no existing service uses it yet)"
                                    : " (today it goes to " + String.join(", ", hostsToday) + ")")));
                }
            }
        }
        return out;
    }

    /** The distinct flag slugs of some warnings, in a stable order. */
    public static List<String> flags(List<Warning> warnings) {
        return warnings.stream().map(Warning::flag).distinct().sorted().toList();
    }

    private static boolean sameHost(String a, String b) {
        try {
            return HostPattern.parse(a).equals(HostPattern.parse(b));
        } catch (IllegalArgumentException e) {
            return a.equalsIgnoreCase(b);
        }
    }
}
