/**
 * Agent proposals: an agent asks for new services and/or credential slots, a human member of the
 * vault reviews and approves (applied atomically) or rejects. Creation validates with exactly the
 * rules of the service API; {@link dev.keyway.server.proposal.ProposalFlags} warns reviewers about
 * proposals that would send an existing credential somewhere new; {@link
 * dev.keyway.server.proposal.ProposalAccess} holds who may see and decide what.
 */
@NullMarked
package dev.keyway.server.proposal;

import org.jspecify.annotations.NullMarked;
