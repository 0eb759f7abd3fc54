package dev.keyway.server.proposal;

import java.time.Duration;

/**
 * Bounds on what agents may ask for, so a misbehaving agent cannot flood reviewers or the store.
 *
 * @param maxBodyBytes largest accepted create request
 * @param maxServices services per proposal
 * @param maxCredentials credential slots per proposal
 * @param maxPending pending proposals per vault (more are refused with 429 until one is decided or expires)
 * @param maxMessage characters of the proposal's message
 * @param defaultTtl how long a proposal waits for review unless the agent asks for less
 */
public record ProposalLimits(int maxBodyBytes, int maxServices, int maxCredentials, int maxPending, int maxMessage,
        Duration defaultTtl) {
    public static final ProposalLimits DEFAULT = new ProposalLimits(64 * 1024, 20, 20, 20, 2000, Duration.ofDays(7));
}
