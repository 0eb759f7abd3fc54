package dev.keyway.proxy.spi;

/**
 * Who is using the proxy: the token that authenticated, the actor it belongs to, and the vault
 * whose services apply. Carries no secret (the token itself is never kept).
 *
 * @param tokenId stable id of the token (not the token)
 * @param actor human-readable actor for audit, e.g. {@code token:ci-runner} or {@code agent:claude}
 * @param vaultId id of the vault the request is evaluated against
 * @param vaultName the vault's name, for audit and error messages
 */
public record ProxyPrincipal(String tokenId, String actor, String vaultId, String vaultName) {}
