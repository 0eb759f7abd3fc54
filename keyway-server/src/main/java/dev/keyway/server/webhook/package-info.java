/**
 * Notifications to humans: instance-level webhooks (generic JSON or Slack incoming-webhook format)
 * told about new proposals, delivered in the background with retries and exponential backoff, each
 * outcome recorded on the webhook so failures are visible in {@code keyway webhook list}.
 */
@NullMarked
package dev.keyway.server.webhook;

import org.jspecify.annotations.NullMarked;
