package dev.keyway.server.api;

import dev.keyway.server.auth.Principal;

import java.util.Map;

/**
 * Records control-plane changes (who changed what) into the same audit log as proxy records.
 * Implementations must not throw into the request: a failed audit append is logged.
 */
@FunctionalInterface
public interface AuditTrail {
    /** Records an action that already happened; waits until it is durable, logs (never throws) on failure. */
    void record(Principal who, String action, String vault, Map<String, Object> details);

    /**
     * Records an action that must not happen unaudited (revealing a value): returns only once the
     * record is durable and throws {@code audit-unavailable} otherwise, so the caller can refuse.
     */
    default void recordOrFail(Principal who, String action, String vault, Map<String, Object> details) {
        record(who, action, vault, details);
    }
}
