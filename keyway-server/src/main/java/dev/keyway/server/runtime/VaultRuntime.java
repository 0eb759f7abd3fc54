package dev.keyway.server.runtime;

import dev.keyway.core.decoy.DecoyMatcher;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.VaultMatcher;
import dev.keyway.store.AwsGrantRecord;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.VaultRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * One vault as the proxy sees it: its compiled matcher, its services by name and its credentials
 * (still encrypted) by name.
 *
 * @param brokenServices services whose stored definition no longer parses, by name, with the error;
 *     they are left out of the matcher (fail closed) and reported by status
 * @param awsSignGrants the vault's AWS grants in sign mode, by name (the proxy re-signs requests to their hosts)
 * @param decoys the vault's decoy credentials, compiled once per snapshot (the proxy refuses any
 *     request that carries one)
 */
public record VaultRuntime(
        VaultRecord vault,
        VaultMatcher matcher,
        Map<String, ServiceDefinition> services,
        Map<String, CredentialRecord> credentials,
        Map<String, String> brokenServices,
        ConcurrentHashMap<Set<String>, VaultMatcher> restricted,
        List<AwsGrantRecord> awsSignGrants,
        DecoyMatcher decoys) {
    public VaultRuntime {
        services = Map.copyOf(services);
        credentials = Map.copyOf(credentials);
        brokenServices = Map.copyOf(brokenServices);
        awsSignGrants = List.copyOf(awsSignGrants);
    }

    public VaultRuntime(VaultRecord vault, VaultMatcher matcher, Map<String, ServiceDefinition> services,
            Map<String, CredentialRecord> credentials, Map<String, String> brokenServices) {
        this(vault, matcher, services, credentials, brokenServices, new ConcurrentHashMap<>(), List.of(), DecoyMatcher.EMPTY);
    }

    public VaultRuntime(VaultRecord vault, VaultMatcher matcher, Map<String, ServiceDefinition> services,
            Map<String, CredentialRecord> credentials, Map<String, String> brokenServices, List<AwsGrantRecord> awsSignGrants) {
        this(vault, matcher, services, credentials, brokenServices, new ConcurrentHashMap<>(), awsSignGrants,
                DecoyMatcher.EMPTY);
    }

    public VaultRuntime(VaultRecord vault, VaultMatcher matcher, Map<String, ServiceDefinition> services,
            Map<String, CredentialRecord> credentials, Map<String, String> brokenServices, List<AwsGrantRecord> awsSignGrants,
            DecoyMatcher decoys) {
        this(vault, matcher, services, credentials, brokenServices, new ConcurrentHashMap<>(), awsSignGrants, decoys);
    }

    /**
     * The matcher over only the services a token may use (agents and tokens can be restricted to a
     * subset), so a request is matched as if the other services did not exist. Compiled once per
     * distinct subset and cached for the life of this snapshot.
     */
    public VaultMatcher matcherFor(@Nullable Set<String> allowed) {
        if (allowed == null) {
            return matcher;
        }
        return restricted.computeIfAbsent(Set.copyOf(allowed), a -> VaultMatcher.compile(
                matcher.services().stream().filter(d -> a.contains(d.name())).toList()));
    }

    public String unmatchedPolicy() {
        return vault.unmatchedPolicy();
    }

    public List<ServiceDefinition> serviceList() {
        return matcher.services();
    }
}
