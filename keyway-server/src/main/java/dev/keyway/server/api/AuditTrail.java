package dev.keyway.server.api;

import dev.keyway.server.auth.Principal;

import java.util.Map;

/**
 * Records control-plane changes (who changed what) into the same audit log as proxy records.
 * Implementations must not throw into the request: a failed audit append is logged.
 */
@FunctionalInterface
public interface AuditTrail {
    void record(Principal who, String action, String vault, Map<String, Object> details);
}
