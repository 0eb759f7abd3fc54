package dev.keyway.proxy.spi;

/**
 * Streaming rewrite of a request body (placeholder substitution). One instance per request; not
 * thread-safe. Output length may differ from input length, so the engine must fix up
 * Content-Length (buffering small bodies) or switch to chunked transfer for large ones.
 */
public interface BodyRewriter {
    /** Consumes the next chunk and returns the bytes that can be emitted now (may be empty). */
    byte[] update(byte[] chunk);

    /** Signals end of body and returns the remaining bytes. */
    byte[] finish();
}
