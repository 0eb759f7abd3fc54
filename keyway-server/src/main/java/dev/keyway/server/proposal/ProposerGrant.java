package dev.keyway.server.proposal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What approving a proposal does for its proposer's access. A proposal adds services to a vault,
 * but an agent restricted to a service subset could not use them: "Added services: github" would
 * then be a promise the proposer never sees kept. So approval of a restricted agent's proposal also
 * grants that agent the new services, and the reviewer is told so before deciding. A scoped token
 * with its own fixed subset cannot be widened; the reviewer is told that it will not reach the new
 * services (a new token will, when its agent gains them).
 *
 * @param agent the restricted agent that gains services, or null when nothing is granted
 * @param granted services added to the agent's subset (empty when none)
 * @param agentServicesAfter the agent's subset after approval (null when nothing is granted)
 * @param tokenUnreachable services the proposing token itself still cannot use after approval
 */
public record ProposerGrant(@Nullable String agent, List<String> granted, @Nullable List<String> agentServicesAfter,
        List<String> tokenUnreachable) {

    public ProposerGrant {
        granted = List.copyOf(granted);
        agentServicesAfter = agentServicesAfter == null ? null : List.copyOf(agentServicesAfter);
        tokenUnreachable = List.copyOf(tokenUnreachable);
    }

    /** Nothing to grant: the proposer (a user, or an unrestricted agent or token) can use whatever is added. */
    public static final ProposerGrant NONE = new ProposerGrant(null, List.of(), null, List.of());

    /**
     * The decision, a pure function.
     *
     * @param agentName the proposer's agent (its own token or one it minted), or null if not an agent
     * @param agentServices the agent's comma-joined subset, or null for all services
     * @param tokenServices the proposing scoped token's own comma-joined subset, or null (not restricted
     *     by itself: an agent token, a user session, or a scoped token following its agent)
     * @param proposed the names of the services the proposal adds
     */
    public static ProposerGrant decide(@Nullable String agentName, @Nullable String agentServices,
            @Nullable String tokenServices, List<String> proposed) {
        List<String> granted = new ArrayList<>();
        List<String> after = null;
        if (agentName != null && agentServices != null) {
            Set<String> have = new LinkedHashSet<>(split(agentServices));
            for (String s : proposed) {
                if (have.add(s)) {
                    granted.add(s);
                }
            }
            after = granted.isEmpty() ? null : List.copyOf(have);
        }
        List<String> unreachable = new ArrayList<>();
        if (tokenServices != null) {
            Set<String> own = Set.copyOf(split(tokenServices));
            proposed.stream().filter(s -> !own.contains(s)).forEach(unreachable::add);
        }
        return new ProposerGrant(granted.isEmpty() ? null : agentName, granted, after, unreachable);
    }

    /** What the reviewer reads (review page, CLI) and the approver's output repeats; empty when nothing to say. */
    public List<String> messages() {
        List<String> out = new ArrayList<>();
        if (agent != null) {
            out.add("also grants agent " + agent + " the service" + (granted.size() == 1 ? " " : "s ")
                    + String.join(", ", granted) + " (it is restricted to a service subset)");
        }
        if (!tokenUnreachable.isEmpty()) {
            out.add("the proposing token is restricted to its own services and will not be able to use "
                    + String.join(", ", tokenUnreachable) + "; a new token will"
                    + (agent == null ? " only if it is minted with them" : ""));
        }
        return out;
    }

    private static List<String> split(String csv) {
        return csv.isBlank() ? List.of() : List.of(csv.split(","));
    }
}
