package dev.keyway.cli.run;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Passes the signals {@code keyway run} receives on to the child, so {@code docker stop},
 * systemd or a supervisor that signals the wrapper reaches the program, and the wrapper itself
 * stays alive until the child has exited (its exit status is then returned). At an interactive
 * terminal, Ctrl-C already reaches the child through its process group, so SIGINT is swallowed
 * rather than sent twice (agents treat a second Ctrl-C as "quit"). Previous handlers are restored
 * on {@link #close()}.
 */
final class SignalForwarder implements AutoCloseable {
    private static final List<String> FORWARDED = List.of("TERM", "HUP", "USR1", "USR2");

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private final List<String> pending = new java.util.ArrayList<>();
    private @org.jspecify.annotations.Nullable Process child;

    private SignalForwarder() {}

    /**
     * Installs the handlers before the child exists, so a signal that arrives while it starts is not
     * lost (the JVM's default would exit and orphan the child); it is delivered on {@link #attach}.
     */
    static SignalForwarder install(boolean interactiveTerminal) {
        SignalForwarder f = new SignalForwarder();
        for (String name : FORWARDED) {
            f.handle(name, s -> f.deliver(name));
        }
        f.handle("INT", interactiveTerminal ? s -> { } : s -> f.deliver("INT"));
        return f;
    }

    synchronized void attach(Process p) {
        child = p;
        pending.forEach(name -> forward(p, name));
        pending.clear();
    }

    private synchronized void deliver(String name) {
        if (child == null) {
            pending.add(name);
        } else {
            forward(child, name);
        }
    }

    private void handle(String name, SignalHandler h) {
        try {
            Signal s = new Signal(name);
            previous.put(s, Signal.handle(s, h));
        } catch (IllegalArgumentException e) {
            // not available on this platform or reserved by the JVM
        }
    }

    private static void forward(Process child, String name) {
        if (!child.isAlive()) {
            return;
        }
        if (name.equals("TERM")) {
            child.destroy();
            return;
        }
        try {
            new ProcessBuilder("kill", "-s", name, Long.toString(child.pid())).inheritIO().start();
        } catch (IOException e) {
            // no kill(1): nothing more we can do for this signal
        }
    }

    @Override
    public void close() {
        previous.forEach((s, h) -> {
            try {
                Signal.handle(s, h);
            } catch (IllegalArgumentException e) {
                // ignore
            }
        });
    }
}
