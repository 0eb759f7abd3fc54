/**
 * A deliberately small HTTP layer for the control plane: Netty codec, a path router, JSON via
 * Jackson 3, and exactly one place ({@link dev.keyway.server.http.Problems}) where exceptions become
 * RFC 9457 problem documents. Handlers run on virtual threads so they may block on the store.
 */
@NullMarked
package dev.keyway.server.http;

import org.jspecify.annotations.NullMarked;
