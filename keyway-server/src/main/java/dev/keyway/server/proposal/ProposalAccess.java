package dev.keyway.server.proposal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.store.ProposalRecord;

/**
 * Who may see and decide a proposal, as pure functions. Viewing: the proposal's own approval token,
 * the proposer (same token, or another token of the same user or agent), and members of the vault.
 * Deciding: members of the vault, never the proposer and never an approval token (it is read-only).
 */
public final class ProposalAccess {
    private ProposalAccess() {}

    public static final String APPROVAL = "approval";

    /** Whether {@code p} proposed it: the same token, or a token of the same user or agent. */
    public static boolean isProposer(Principal p, ProposalContent c) {
        if (p.type().equals(APPROVAL)) {
            return false;
        }
        return p.tokenId().equals(c.proposerTokenId())
                || (c.proposerSubject() != null && c.proposerSubject().equals(p.subjectId()));
    }

    public static boolean mayView(Principal p, ProposalRecord r, ProposalContent c) {
        if (p.type().equals(APPROVAL)) {
            return r.id().equals(p.subjectId());
        }
        if (isProposer(p, c)) {
            return true;
        }
        VaultRole role = Access.roleOn(p, r.vaultId());
        return role != null && role.atLeast(VaultRole.MEMBER);
    }

    public static void requireView(Principal p, ProposalRecord r, ProposalContent c) {
        if (!mayView(p, r, c)) {
            throw new KeywayException(ErrorType.FORBIDDEN, p.type().equals(APPROVAL)
                    ? "an approval token can only view its own proposal"
                    : p.actor() + " may not view proposal " + r.id() + " (only its proposer and members of its vault can)");
        }
    }

    /** Approving or rejecting: member or admin on the vault, and not the proposer. */
    public static void requireReviewer(Principal p, ProposalRecord r, String vaultName, ProposalContent c) {
        if (p.type().equals(APPROVAL)) {
            throw new KeywayException(ErrorType.FORBIDDEN, "an approval token can only view its proposal; "
                    + "approve or reject it as a member of vault '" + vaultName + "' (keyway proposal approve " + r.id() + ")");
        }
        Access.require(p, r.vaultId(), vaultName, VaultRole.MEMBER);
        if (isProposer(p, c)) {
            throw new KeywayException(ErrorType.FORBIDDEN, "a proposal cannot be decided by its proposer (" + p.actor()
                    + "); another member of vault '" + vaultName + "' has to review it");
        }
    }
}
