package dev.keyway.cli.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * A byte relay for {@code keyway run --isolate}: every connection accepted on {@code listener} is
 * joined to a fresh connection from {@code dialer}, both directions copied until each side has
 * finished (a half-close is passed on, so HTTP/1.1 and TLS see the same stream they would directly).
 * The same class runs on both sides of the network namespace: inside, a loopback TCP listener
 * dialling the Unix socket; outside, the Unix socket dialling the real proxy (or API). It
 * understands nothing of what it carries: proxy authentication stays with the proxy.
 *
 * <p>Bounded: at most {@link #MAX_CONNECTIONS} relayed connections at a time (more wait in the
 * listener's backlog), one virtual thread per direction.
 */
public final class Relay implements AutoCloseable {
    /** Concurrent relayed connections; the proxy's own per-address limits apply behind it. */
    public static final int MAX_CONNECTIONS = 512;
    private static final int BUFFER = 16 * 1024;

    /** Opens the connection a relayed one is joined to. */
    @FunctionalInterface
    public interface Dialer {
        SocketChannel dial() throws IOException;
    }

    private final ServerSocketChannel listener;
    private final Dialer dialer;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private Relay(ServerSocketChannel listener, Dialer dialer, String name) {
        this.listener = listener;
        this.dialer = dialer;
        this.acceptor = Thread.ofPlatform().daemon().name(name).unstarted(this::acceptLoop);
    }

    /** Starts relaying from {@code listener} (already bound) to {@code dialer}; {@link #close()} stops and closes everything. */
    public static Relay start(ServerSocketChannel listener, Dialer dialer, String name) {
        Relay r = new Relay(listener, dialer, name);
        r.acceptor.start();
        return r;
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            try {
                slots.acquire();
                SocketChannel in;
                try {
                    in = listener.accept();
                } catch (IOException e) {
                    slots.release();
                    if (!listener.isOpen()) {
                        return;
                    }
                    continue;
                }
                Thread.ofVirtual().start(() -> join(in));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void join(SocketChannel in) {
        open.add(in);
        SocketChannel out = null;
        try {
            out = dialer.dial();
            open.add(out);
            SocketChannel o = out;
            Thread back = Thread.ofVirtual().start(() -> copy(o, in));
            copy(in, out);
            back.join();
        } catch (IOException | InterruptedException e) {
            // the other side is not there: the client sees its connection closed
        } finally {
            closeQuietly(in);
            if (out != null) {
                closeQuietly(out);
            }
            slots.release();
        }
    }

    /** Copies until end of stream, then half-closes the destination so the peer sees the end too. */
    private void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
            to.shutdownOutput();
        } catch (ClosedChannelException e) {
            // closed by the other direction or by close()
        } catch (IOException e) {
            // reset: end both directions
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(SocketChannel c) {
        open.remove(c);
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        acceptor.interrupt();
        for (SocketChannel c : open) {
            closeQuietly(c);
        }
    }
}
