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

    /**
     * Thrown by {@link #update} or {@link #finish} to refuse the request with a specific problem
     * (a decoy credential found in the body). A body that fits the buffer limit is rewritten whole
     * before anything is written upstream, so then nothing is forwarded; a streamed body's exchange
     * is aborted where the problem was found.
     */
    final class Refused extends RuntimeException {
        private final ProxyProblem problem;

        public Refused(ProxyProblem problem) {
            super(problem.detail(), null, false, false);
            this.problem = problem;
        }

        public ProxyProblem problem() {
            return problem;
        }
    }
}
