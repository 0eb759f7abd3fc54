package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A non-human identity (an AI agent or a machine). Its vault roles are {@link GrantRecord}s.
 *
 * @param services comma-separated service names the agent is restricted to, or null for all
 */
public record AgentRecord(String id, String name, @Nullable String services, Instant createdAt, String createdBy, boolean revoked) {}
