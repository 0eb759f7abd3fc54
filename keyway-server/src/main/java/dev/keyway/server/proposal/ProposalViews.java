package dev.keyway.server.proposal;

import dev.keyway.store.ProposalRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API form of a proposal. {@code flags} and {@code warnings} come first after the identity so
 * no client can miss them; credential slots say whether a value exists by now. Never contains the
 * approval token or any credential value.
 */
public final class ProposalViews {
    private ProposalViews() {}

    public static Map<String, Object> view(ProposalRecord r, ProposalContent c, String vaultName, Set<String> existingCredentials,
            ProposerGrant grant) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("vault", vaultName);
        m.put("status", r.status());
        m.put("flags", ProposalService.flags(r));
        m.put("warnings", c.warnings());
        m.put("proposer_grant", grant(grant));
        m.put("message", r.message());
        m.put("services", c.services());
        List<Map<String, Object>> creds = new ArrayList<>();
        for (CredentialSlot s : c.credentials()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("name", s.name());
            cm.put("description", s.description());
            cm.put("exists", existingCredentials.contains(s.name()));
            creds.add(cm);
        }
        m.put("credentials", creds);
        m.put("created_by", r.createdBy());
        m.put("created_at", r.createdAt());
        m.put("expires_at", r.expiresAt());
        m.put("reviewed_by", r.reviewedBy());
        m.put("reviewed_at", r.reviewedAt());
        m.put("reason", r.reason());
        return m;
    }

    /** The proposer-access consequence of approval, as the reviewer (API, console, CLI) sees it. */
    public static Map<String, Object> grant(ProposerGrant g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("agent", g.agent());
        m.put("services", g.granted());
        m.put("token_cannot_use", g.tokenUnreachable());
        m.put("withheld", g.withheld());
        m.put("messages", g.messages());
        return m;
    }
}
