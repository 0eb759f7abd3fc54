package dev.keyway.proxy.internal;

/** Receives what happens on an upstream channel (or HTTP/2 stream) while an exchange owns it. */
interface UpstreamListener {
    /** An {@code HttpObject} (or raw bytes after an upgrade); the listener owns the reference. */
    void upstreamRead(Object msg);

    void upstreamInactive();

    void upstreamError(Throwable cause);

    void upstreamWritabilityChanged(boolean writable);

    /** The end of one read from the upstream: what was relayed without a flush is flushed now. */
    default void upstreamReadComplete() {}
}
