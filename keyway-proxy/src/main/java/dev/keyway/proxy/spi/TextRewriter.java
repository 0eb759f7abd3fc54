package dev.keyway.proxy.spi;

/** Rewrites one complete WebSocket text message from the client (placeholder substitution). */
@FunctionalInterface
public interface TextRewriter {
    String rewrite(String message);
}
