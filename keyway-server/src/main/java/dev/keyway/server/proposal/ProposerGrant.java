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
 * services (a new token will, when its agent gains them). An agent's subset holds service names,
 * which mean a service in each of its vaults; so a name that also exists in another of the agent's
 * vaults is withheld (a reviewer of this vault must not widen the agent elsewhere) and left to an
 * owner or admin with {@code keyway agent set-services}.
 *
 * @param agent the restricted agent that gains services, or null when nothing is granted
 * @param granted services added to the agent's subset (empty when none)
 * @param agentServicesAfter the agent's subset after approval (null when nothing is granted)
 * @param tokenUnreachable services the proposing token itself still cannot use after approval
 * @param withheld services not granted because a service of that name exists in another of the agent's vaults
 * @param withheldFrom the restricted agent the withheld services are about, or null
 */
public record ProposerGrant(@Nullable String agent, List<String> granted, @Nullable List<String> agentServicesAfter,
        List<String> tokenUnreachable, List<String> withheld, @Nullable String withheldFrom) {

    public ProposerGrant {
        granted = List.copyOf(granted);
        agentServicesAfter = agentServicesAfter == null ? null : List.copyOf(agentServicesAfter);
        tokenUnreachable = List.copyOf(tokenUnreachable);
        withheld = List.copyOf(withheld);
    }

    /** Nothing to grant: the proposer (a user, or an unrestricted agent or token) can use whatever is added. */
    public static final ProposerGrant NONE = new ProposerGrant(null, List.of(), null, List.of(), List.of(), null);

    /**
     * The decision, a pure function.
     *
     * @param agentName the proposer's agent (its own token or one it minted), or null if not an agent
     * @param agentServices the agent's comma-joined subset, or null for all services
     * @param tokenServices the proposing scoped token's own comma-joined subset, or null (not restricted
     *     by itself: an agent token, a user session, or a scoped token following its agent)
     * @param proposed the names of the services the proposal adds
     * @param elsewhere names of services in the agent's other vaults (those are never granted here)
     */
    public static ProposerGrant decide(@Nullable String agentName, @Nullable String agentServices,
            @Nullable String tokenServices, List<String> proposed, Set<String> elsewhere) {
        List<String> granted = new ArrayList<>();
        List<String> withheld = new ArrayList<>();
        List<String> after = null;
        if (agentName != null && agentServices != null) {
            Set<String> have = new LinkedHashSet<>(split(agentServices));
            for (String s : proposed) {
                if (have.contains(s)) {
                    continue;
                }
                if (elsewhere.contains(s)) {
                    withheld.add(s);
                } else {
                    have.add(s);
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
        return new ProposerGrant(granted.isEmpty() ? null : agentName, granted, after, unreachable, withheld,
                withheld.isEmpty() ? null : agentName);
    }

    /** What the reviewer reads (review page, CLI) and the approver's output repeats; empty when nothing to say. */
    public List<String> messages() {
        List<String> out = new ArrayList<>();
        if (agent != null) {
            out.add("also grants agent " + agent + " the service" + (granted.size() == 1 ? " " : "s ")
                    + String.join(", ", granted) + " (it is restricted to a service subset)");
        }
        if (!withheld.isEmpty()) {
            out.add("does not grant agent " + withheldFrom + " " + String.join(", ", withheld) + ": a service of that name exists in"
                    + " another of its vaults, so the agent will not be able to use it here until an owner or admin runs"
                    + " 'keyway agent set-services " + withheldFrom + "'");
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
