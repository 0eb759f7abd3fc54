package dev.keyway.server.runtime;

import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.VaultMatcher;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.VaultRecord;
import java.util.List;
import java.util.Map;

/**
 * One vault as the proxy sees it: its compiled matcher, its services by name and its credentials
 * (still encrypted) by name.
 *
 * @param brokenServices services whose stored definition no longer parses, by name, with the error;
 *     they are left out of the matcher (fail closed) and reported by status
 */
public record VaultRuntime(
        VaultRecord vault,
        VaultMatcher matcher,
        Map<String, ServiceDefinition> services,
        Map<String, CredentialRecord> credentials,
        Map<String, String> brokenServices) {
    public VaultRuntime {
        services = Map.copyOf(services);
        credentials = Map.copyOf(credentials);
        brokenServices = Map.copyOf(brokenServices);
    }

    public String unmatchedPolicy() {
        return vault.unmatchedPolicy();
    }

    public List<ServiceDefinition> serviceList() {
        return matcher.services();
    }
}
