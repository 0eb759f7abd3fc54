package dev.keyway.server.webhook;

import java.time.Instant;

/**
 * A request held for a human approval, as told to webhooks: who sent what to which service, until
 * when it waits, and the link to the console's approvals page. Holds no secret: the path is the
 * client's own path without its query.
 */
public record ApprovalEvent(String id, String vault, String actor, String service, String method, String host, String path,
        Instant expiresAt, String approvalUrl) {}
