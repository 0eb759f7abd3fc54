package dev.keyway.cli.run;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The first process inside {@code keyway run --isolate}'s network namespace (started by {@code
 * unshare --user --map-root-user --net}): brings the loopback up, listens on it where the program
 * expects the proxy (and the API), relays each connection over a Unix socket to {@code keyway run}
 * outside, then runs the program through a nested {@code unshare} that maps it back to the caller's
 * ids, passes signals on, and exits with the program's status. A main class of its own, not a
 * {@code keyway} command: it is never typed by anyone and starts without building the CLI.
 *
 * <p>Arguments: {@code --forward HOST:PORT=SOCKET}... {@code --unshare PATH --uid N --gid N -- PROGRAM...}.
 * Failures before the program starts print {@code keyway: --isolate: ...} and exit {@link #SETUP_FAILED}.
 */
public final class NamespaceInit {
    /** The exit status when the namespace cannot be set up (the same as an unavailable probe in {@code keyway run}). */
    public static final int SETUP_FAILED = 7;

    private NamespaceInit() {}

    /** The parsed arguments. */
    record Args(List<Isolation.Forward> forwards, String unshare, long uid, long gid, List<String> program) {
        static Args parse(String[] a) {
            List<Isolation.Forward> forwards = new ArrayList<>();
            String unshare = null;
            long uid = -1;
            long gid = -1;
            int i = 0;
            for (; i < a.length && !a[i].equals("--"); i++) {
                String v = i + 1 < a.length ? a[i + 1] : "";
                switch (a[i]) {
                    case "--forward" -> forwards.add(Isolation.Forward.parse(v));
                    case "--unshare" -> unshare = v;
                    case "--uid" -> uid = Long.parseLong(v);
                    case "--gid" -> gid = Long.parseLong(v);
                    default -> throw new IllegalArgumentException("unknown argument " + a[i]);
                }
                i++;
            }
            if (unshare == null || uid < 0 || gid < 0 || i + 1 >= a.length) {
                throw new IllegalArgumentException("usage: --forward HOST:PORT=SOCKET... --unshare PATH --uid N --gid N -- PROGRAM...");
            }
            return new Args(List.copyOf(forwards), unshare, uid, gid, List.of(a).subList(i + 1, a.length));
        }
    }

    public static void main(String[] argv) {
        PrintStream err = System.err;
        Args args;
        try {
            args = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("keyway: --isolate: " + e.getMessage());
            System.exit(SETUP_FAILED);
            return;
        }
        List<Relay> relays = new ArrayList<>();
        try {
            Loopback.up();
            for (Isolation.Forward f : args.forwards()) {
                ServerSocketChannel l = ServerSocketChannel.open();
                l.bind(new InetSocketAddress(f.host(), f.port()), 128);
                UnixDomainSocketAddress target = UnixDomainSocketAddress.of(f.socket());
                relays.add(Relay.start(l, () -> SocketChannel.open(target), "keyway-isolate-" + f.port()));
            }
        } catch (IOException | RuntimeException e) {
            err.println("keyway: --isolate: cannot set up the network namespace: " + e.getMessage());
            relays.forEach(Relay::close);
            System.exit(SETUP_FAILED);
            return;
        }
        List<String> cmd = new ArrayList<>(Isolation.inner(java.nio.file.Path.of(args.unshare()), args.uid(), args.gid()));
        cmd.addAll(args.program());
        int status;
        try {
            status = ChildLauncher.inheritIo().run(cmd, Isolation.programEnvironment(System.getenv()));
        } catch (IOException e) {
            err.println("keyway: --isolate: cannot start " + args.unshare() + ": " + e.getMessage());
            status = SETUP_FAILED;
        } catch (InterruptedException e) {
            status = 130;
        }
        relays.forEach(Relay::close);
        System.exit(status);
    }
}
