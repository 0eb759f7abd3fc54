package dev.keyway.core.service;

import dev.keyway.core.error.KeywayException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A built-in, ready-made service for a well-known API (see {@link ServiceCatalog}): the definition
 * with default credential names, plus the placeholder values an agent should be given.
 *
 * @param name template name (also the default service name)
 * @param description one line for humans
 * @param definition the service, named {@code name}, with default credential names
 * @param placeholders format-valid placeholder values per credential (may be empty)
 * @param hostSuffix for a per-tenant API ({@code <project>.supabase.co}): the suffix the host must
 *     have, one label more; the definition's host is then only an example and every use of the
 *     template must name its own host. Null when the template's host is the API's one host. A
 *     wildcard is no substitute: {@code *.supabase.co} would send the key to every tenant's project.
 */
public record ServiceTemplate(
        String name, String description, ServiceDefinition definition, List<PlaceholderFormat> placeholders,
        @Nullable String hostSuffix) {
    public ServiceTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(definition, "definition");
        placeholders = List.copyOf(placeholders);
        if (hostSuffix != null && (!hostSuffix.startsWith(".") || !definition.host().endsWith(hostSuffix))) {
            throw new IllegalArgumentException("template " + name + ": example host must end with " + hostSuffix);
        }
    }

    /** A template for an API with one fixed host. */
    public ServiceTemplate(String name, String description, ServiceDefinition definition, List<PlaceholderFormat> placeholders) {
        this(name, description, definition, placeholders, null);
    }

    /** Whether every use must name its own host (see {@code hostSuffix}). */
    public boolean perTenant() {
        return hostSuffix != null;
    }

    /** The credentials the template uses, under their default names. */
    public Set<String> credentialNames() {
        return definition.injection().credentialNames();
    }

    /**
     * The override map for the CLI's {@code --credential NAME}: maps the template's only credential
     * to {@code credential}.
     *
     * @throws KeywayException validation, when the template uses no or several credentials
     */
    public Map<String, String> singleCredentialOverride(String credential) {
        Set<String> names = credentialNames();
        if (names.size() != 1) {
            throw KeywayException.validation("credential", "template '" + name + "' uses " + names.size()
                    + " credentials " + names + "; rename each one explicitly");
        }
        return Map.of(names.iterator().next(), credential);
    }
}
