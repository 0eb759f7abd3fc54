package dev.keyway.core.approval;

import java.util.Locale;

/**
 * Where one approval stands. {@link #PENDING} is the only state that moves; every other state is
 * final, so a decision, a timeout and a client that went away race to leave {@code PENDING} and
 * exactly one of them wins (the store's conditional update enforces it across nodes).
 */
public enum ApprovalState {
    /** The request is held; nobody has decided yet. */
    PENDING,
    /** An owner or member approved it: the held request is forwarded. */
    APPROVED,
    /** An owner or member denied it: the client got 403 {@code approval-denied}. */
    DENIED,
    /** Nobody decided within the service's timeout: the client got 403 {@code approval-timeout}. */
    TIMED_OUT,
    /** The client went away (or the holding node stopped) before a decision. */
    CANCELLED;

    /** Whether this state is final. */
    public boolean isFinal() {
        return this != PENDING;
    }

    /** Whether a pending approval may move from this state to {@code next}: only out of PENDING, once. */
    public boolean canMoveTo(ApprovalState next) {
        return this == PENDING && next != PENDING;
    }

    /** The lower-case name used in JSON, the database and the CLI ({@code timed_out}). */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state of a wire name. */
    public static ApprovalState ofWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
