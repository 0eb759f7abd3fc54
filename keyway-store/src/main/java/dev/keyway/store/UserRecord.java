package dev.keyway.store;

import java.time.Instant;

/**
 * A human user. {@code passwordHash} is an encoded Argon2id hash (never the password).
 *
 * @param role instance role: {@code owner} or {@code member}
 */
public record UserRecord(String id, String email, String passwordHash, String role, Instant createdAt, boolean disabled) {
    @Override
    public String toString() {
        return "UserRecord[id=" + id + ", email=" + email + ", role=" + role + "]";
    }
}
