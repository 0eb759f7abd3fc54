/**
 * Bounded, clock-driven limits shared by both listeners: the per-address attempt throttle, the
 * connection limiter and the aggregation of repeated failures into one audit record per window.
 * Pure bookkeeping (no I/O, no Netty), so the proxy and the control-plane API use the same classes.
 */
@NullMarked
package dev.keyway.core.limit;

import org.jspecify.annotations.NullMarked;
