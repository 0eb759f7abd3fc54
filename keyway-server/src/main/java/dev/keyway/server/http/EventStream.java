package dev.keyway.server.http;

/**
 * The body of a streaming response (Server-Sent Events for the live traffic page): instead of a
 * complete body, the handler returns a stream that {@link HttpApiServer} runs on the request's
 * virtual thread after the response head is written. Each {@link Sink#send} writes one chunk and
 * waits until it is handed to the socket, so a slow client slows its own stream and nothing else.
 * The response ends when {@link #run} returns (or throws); the connection is then closed.
 */
@FunctionalInterface
public interface EventStream {
    /** Produces the body; should return soon after {@link Sink#open()} turns false. */
    void run(Sink sink) throws Exception;

    /** Where a stream writes. Implementations are used by one thread at a time. */
    interface Sink {
        /** Writes and flushes a chunk; false if the client has gone (the stream should stop). */
        boolean send(String chunk);

        /** False once the client disconnected or the server is shutting down. */
        boolean open();
    }
}
