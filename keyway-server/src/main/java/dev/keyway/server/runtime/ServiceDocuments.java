package dev.keyway.server.runtime;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.EditDistance;
import dev.keyway.core.service.Names;
import dev.keyway.core.service.ServiceCatalog;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ServiceTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Config as code: turns one entry of a {@code services.yaml} (or of {@code service list --json}, or
 * of {@code service export}) into the wire form {@link ServiceSpecs} parses, and compares two wire
 * forms field by field for {@code apply --dry-run}. An entry may start from a catalog template
 * ({@code template: anthropic}, optionally {@code credential: MY_KEY}) and override any field; the
 * read-only metadata that {@code list --json} prints ({@code updated_at}, {@code updated_by}) is
 * accepted and ignored so its output can be applied unchanged. The entry's {@code limits} member is
 * read by {@link ServiceLimits}, not here. Pure.
 */
public final class ServiceDocuments {
    /** Members that describe a stored service but are not part of its definition. */
    static final Set<String> METADATA = Set.of("updated_at", "updated_by");

    private ServiceDocuments() {}

    /** One field that differs, both values as a person reads them. */
    public record FieldChange(String field, String before, String after) {}

    /** The definition an entry describes, validated; errors name {@code field} (e.g. {@code services[2]}). */
    public static ServiceDefinition definition(JsonNode entry, String field) {
        if (entry == null || !entry.isObject()) {
            throw KeywayException.validation(field, field + " must be a service definition (an object)");
        }
        ObjectNode n = ((ObjectNode) entry).deepCopy();
        METADATA.forEach(n::remove);
        n.remove("limits"); // not part of the definition: ServiceLimits reads it, the limits table keeps it
        JsonNode template = n.remove("template");
        JsonNode credential = n.remove("credential");
        if (template == null) {
            if (credential != null) {
                throw KeywayException.validation(field + ".credential", field + ": 'credential' only applies with 'template'");
            }
            return ServiceSpecs.fromTree(n);
        }
        if (!template.isString()) {
            throw KeywayException.validation(field + ".template", field + ": 'template' must be a template name");
        }
        ServiceTemplate t = ServiceCatalog.get(template.asString()).orElseThrow(() -> KeywayException.validation(
                field + ".template", field + ": no template named '" + Names.printable(template.asString()) + "'"
                        + suggestion(template.asString()) + "; see 'keyway service templates'"));
        if (credential != null && !credential.isString()) {
            throw KeywayException.validation(field + ".credential", field + ": 'credential' must be a credential name");
        }
        String name = n.hasNonNull("name") && n.get("name").isString() ? n.get("name").asString() : t.name();
        Map<String, String> overrides = credential == null ? Map.of() : t.singleCredentialOverride(credential.asString());
        String host = n.hasNonNull("host") && n.get("host").isString() ? n.get("host").asString() : null;
        ObjectNode base = (ObjectNode) ServiceSpecs.toTree(ServiceCatalog.instantiate(t.name(), name, overrides, host));
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            base.set(e.getKey(), e.getValue());
        }
        return ServiceSpecs.fromTree(base);
    }

    /** " (did you mean X?)" for a mistyped template name, or "". */
    public static String suggestion(String templateName) {
        return EditDistance.closest(templateName, ServiceCatalog.all().stream().map(ServiceTemplate::name).toList(), 2)
                .map(s -> "; did you mean " + s + "?").orElse("");
    }

    /** The fields that differ between two definitions, in declaration order. */
    public static List<FieldChange> diff(ServiceDefinition before, ServiceDefinition after) {
        JsonNode b = (JsonNode) ServiceSpecs.toTree(before);
        JsonNode a = (JsonNode) ServiceSpecs.toTree(after);
        List<String> fields = new ArrayList<>();
        b.propertyNames().forEach(fields::add);
        a.propertyNames().forEach(f -> {
            if (!fields.contains(f)) {
                fields.add(f);
            }
        });
        List<FieldChange> out = new ArrayList<>();
        for (String f : fields) {
            JsonNode x = b.get(f);
            JsonNode y = a.get(f);
            if (x == null ? y != null : !x.equals(y)) {
                out.add(new FieldChange(f, show(x), show(y)));
            }
        }
        return out;
    }

    static String show(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "(none)";
        }
        if (n.isArray()) {
            List<String> items = new ArrayList<>();
            n.forEach(e -> items.add(e.isString() ? e.asString() : e.toString()));
            return "[" + String.join(", ", items) + "]";
        }
        return n.isString() ? n.asString() : n.toString();
    }
}
