package dev.keyway.server.proposal;

import org.jspecify.annotations.Nullable;

/**
 * A credential an agent asks a human to provide: a name and what it is for, never a value. The
 * reviewer supplies the value when approving (or later with {@code keyway credential set}).
 */
public record CredentialSlot(@Nullable String name, @Nullable String description) {}
