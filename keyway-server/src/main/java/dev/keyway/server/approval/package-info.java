/**
 * Per-request human approval (issue 12 §3): {@link dev.keyway.server.approval.ApprovalService} records
 * a held request in the store, learns its decision (in process at once, from another node by a
 * bounded re-read) and times it out; {@link dev.keyway.server.approval.ApprovalGatedPolicy} holds the
 * matching requests through the proxy's asynchronous {@code RequestSigner} hook, so nothing is
 * written upstream before the decision and no event loop blocks.
 */
@NullMarked
package dev.keyway.server.approval;

import org.jspecify.annotations.NullMarked;
