package dev.keyway.server.proposal;

import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.server.http.Json;
import dev.keyway.server.runtime.ServiceSpecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * What a proposal asks for, as stored in {@link dev.keyway.store.ProposalRecord#bodyJson()}: the
 * validated service definitions (wire form), the credential slots, the reviewer warnings computed
 * at creation, and who proposed it (token id and user/agent id, so the proposer can poll it and can
 * never approve it).
 */
public record ProposalContent(
        List<JsonNode> services,
        List<CredentialSlot> credentials,
        List<String> warnings,
        String proposerTokenId,
        @Nullable String proposerSubject) {

    public ProposalContent {
        services = List.copyOf(services);
        credentials = List.copyOf(credentials);
        warnings = List.copyOf(warnings);
    }

    public static ProposalContent parse(String json) {
        return Json.MAPPER.readValue(json, ProposalContent.class);
    }

    public String toJson() {
        return Json.MAPPER.writeValueAsString(this);
    }

    /** The services as definitions (they were validated when the proposal was created). */
    public List<ServiceDefinition> definitions() {
        List<ServiceDefinition> out = new ArrayList<>();
        for (JsonNode n : services) {
            out.add(ServiceSpecs.fromTree(n));
        }
        return out;
    }

    /** Requested credential slot names. */
    public Set<String> slotNames() {
        Set<String> out = new TreeSet<>();
        credentials.forEach(c -> out.add(java.util.Objects.requireNonNull(c.name())));
        return out;
    }

    /** Every credential the proposal involves: requested slots and those its services use. */
    public Set<String> involvedCredentials() {
        Set<String> out = slotNames();
        definitions().forEach(d -> out.addAll(d.injection().credentialNames()));
        return out;
    }
}
