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

    private SignalForwarder() {}

    static SignalForwarder install(Process child, boolean interactiveTerminal) {
        SignalForwarder f = new SignalForwarder();
        for (String name : FORWARDED) {
            f.handle(name, s -> forward(child, name));
        }
        f.handle("INT", interactiveTerminal ? s -> { } : s -> forward(child, "INT"));
        return f;
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
