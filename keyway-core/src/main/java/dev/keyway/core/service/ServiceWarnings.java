package dev.keyway.core.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Configuration that is valid but probably not what was meant, said when a service is saved
 * ({@code service add}, {@code service apply}, the API's {@code warnings}) rather than discovered
 * when an agent's request fails: a credential the vault does not have yet (allowed, because it may
 * come later, but every request would get 502 {@code credential-unavailable} until then), and a
 * host one edit away from a catalog host ({@code api.antrhopic.com}), which would send the agent's
 * traffic nowhere useful while the real host goes uninjected. Pure.
 */
public final class ServiceWarnings {
    private static final Map<String, String> CATALOG_HOSTS = catalogHosts();

    private ServiceWarnings() {}

    /** Warnings for one service about to be saved in {@code vault}, whose credentials are {@code credentials}. */
    public static List<String> of(ServiceDefinition d, Set<String> credentials, String vault) {
        List<String> out = new ArrayList<>();
        for (String c : d.injection().credentialNames()) {
            if (!credentials.contains(c)) {
                out.add("service '" + d.name() + "' uses credential " + c + ", which does not exist in vault '" + vault
                        + "' yet; until you set it (keyway credential set " + c + " --vault " + vault
                        + ") requests get 502 credential-unavailable");
            }
        }
        hostTypo(d.host()).ifPresent(h -> out.add("service '" + d.name() + "': host " + host(d.host())
                + " is one edit away from the catalog host " + h + " (template " + CATALOG_HOSTS.get(h)
                + "); did you mean " + h + "?"));
        return out;
    }

    /** The catalog host one edit (or one transposition) away from {@code hostPattern}'s host, if any. */
    public static Optional<String> hostTypo(String hostPattern) {
        HostPattern p;
        try {
            p = HostPattern.parse(hostPattern);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (p.wildcard() || p.kind() != HostPattern.Kind.DNS || CATALOG_HOSTS.containsKey(p.host())) {
            return Optional.empty();
        }
        return EditDistance.closest(p.host(), CATALOG_HOSTS.keySet(), 1);
    }

    private static String host(String hostPattern) {
        try {
            return HostPattern.parse(hostPattern).host();
        } catch (IllegalArgumentException e) {
            return hostPattern;
        }
    }

    private static Map<String, String> catalogHosts() {
        Map<String, String> m = new LinkedHashMap<>();
        for (ServiceTemplate t : ServiceCatalog.all()) {
            HostPattern p = HostPattern.parse(t.definition().host());
            if (!p.wildcard()) {
                m.putIfAbsent(p.host(), t.name());
            }
        }
        return Map.copyOf(m);
    }
}
