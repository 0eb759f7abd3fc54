package dev.keyway.store;

/**
 * A subject's (user or agent id) role on a vault: {@code proxy} (use the proxy, discover, propose),
 * {@code member} (manage credentials and services, approve proposals) or {@code admin} (also
 * manage members, delete the vault).
 */
public record GrantRecord(String subjectId, String vaultId, String role) {}
