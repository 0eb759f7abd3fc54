package dev.keyway.server.auth;

import dev.keyway.core.error.KeywayException;
import java.util.Locale;

/**
 * A subject's role on one vault. Each role includes the ones before it:
 * {@code proxy} (use the proxy, discover, propose) &lt; {@code member} (manage credentials and
 * services, approve proposals) &lt; {@code admin} (also manage members, delete the vault).
 */
public enum VaultRole {
    PROXY,
    MEMBER,
    ADMIN;

    public boolean atLeast(VaultRole other) {
        return compareTo(other) >= 0;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static VaultRole parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw KeywayException.validation("role", "unknown vault role '" + s + "'; use proxy, member or admin");
        }
    }
}
