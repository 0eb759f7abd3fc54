/**
 * Per-request human approval (issue 12 §3), the pure parts: which requests of a service must be
 * approved ({@link dev.keyway.core.approval.ApprovalRule}) and the life of one pending approval
 * ({@link dev.keyway.core.approval.ApprovalState}). The proxy holding a request, the store row and the
 * API live in keyway-server and keyway-store.
 */
@NullMarked
package dev.keyway.core.approval;

import org.jspecify.annotations.NullMarked;
