package dev.keyway.server.webhook;

import java.time.Instant;
import java.util.List;

/**
 * A new proposal, as told to webhooks: enough for a human to decide whether to click the link.
 * Holds no secret values; {@code approvalUrl} carries the proposal's read-only approval token in its
 * fragment, which is the point of the notification (see docs/proposals.md), so it is kept out of
 * {@link #toString()}.
 *
 * @param services name and host of each requested service
 * @param credentials names of the requested credential slots
 */
public record ProposalEvent(
        String id,
        String vault,
        String message,
        String createdBy,
        Instant expiresAt,
        List<String> flags,
        List<String> warnings,
        List<Service> services,
        List<String> credentials,
        String approvalUrl) {

    public ProposalEvent {
        flags = List.copyOf(flags);
        warnings = List.copyOf(warnings);
        services = List.copyOf(services);
        credentials = List.copyOf(credentials);
    }

    /** A requested service, summarized. */
    public record Service(String name, String host) {}

    @Override
    public String toString() {
        return "ProposalEvent[id=" + id + ", vault=" + vault + ", flags=" + flags + "]";
    }
}
