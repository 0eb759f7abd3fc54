package dev.keyway.server.auth;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The authorization rules, as pure functions of a {@link Principal}. Every route calls one of these
 * before touching data; {@code AccessTest} checks the whole table.
 */
public final class Access {
    private Access() {}

    /** The caller's role on a vault, or null. The owner (and the admin token) is admin everywhere. */
    public static @Nullable VaultRole roleOn(Principal p, String vaultId) {
        if (p.owner()) {
            return VaultRole.ADMIN;
        }
        return p.grants().get(vaultId);
    }

    /** Requires at least {@code min} on the vault. */
    public static void require(Principal p, String vaultId, String vaultName, VaultRole min) {
        VaultRole r = roleOn(p, vaultId);
        if (r == null) {
            throw new KeywayException(ErrorType.FORBIDDEN, p.actor() + " has no access to vault '" + vaultName + "'");
        }
        if (!r.atLeast(min)) {
            throw new KeywayException(ErrorType.FORBIDDEN, "this needs the " + min.wire() + " role on vault '" + vaultName
                    + "'; " + p.actor() + " has " + r.wire());
        }
        if (p.type().equals("approval")) {
            throw new KeywayException(ErrorType.FORBIDDEN, "an approval token can only view its proposal");
        }
    }

    /** Instance-level administration (users, agents, vault creation, master key). */
    public static void requireOwner(Principal p) {
        if (!p.owner()) {
            throw new KeywayException(ErrorType.FORBIDDEN, "this needs the instance owner (or the local admin token); "
                    + p.actor() + " is not");
        }
    }

    /**
     * Revealing a credential value: only humans with member or admin on the vault. Agents and
     * tokens minted for agents never can, whatever their role.
     */
    public static void requireReveal(Principal p, String vaultId, String vaultName) {
        if (!p.user()) {
            throw new KeywayException(ErrorType.FORBIDDEN, "credential values can only be revealed by a user with the member "
                    + "role; a " + p.type() + " token can never read them");
        }
        require(p, vaultId, vaultName, VaultRole.MEMBER);
    }

    /** Whether the caller may use a service (agents and tokens can be restricted to a subset). */
    public static boolean mayUseService(Principal p, String service) {
        Set<String> s = p.services();
        return s == null || s.contains(service);
    }
}
