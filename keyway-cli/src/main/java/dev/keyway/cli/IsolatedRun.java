package dev.keyway.cli;

import dev.keyway.cli.run.Isolation;
import dev.keyway.cli.run.NamespaceInit;
import dev.keyway.cli.run.Relay;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The outside half of {@code keyway run --isolate}: where the Unix sockets go (the run's {@code 0700}
 * directory), the command line that starts {@link NamespaceInit} in the new namespaces, and the
 * relays from those sockets to the real proxy and (when it is on this machine's loopback) the API.
 */
final class IsolatedRun {
    private final Path unshare;
    private final List<String> relayJava;
    private final long uid;
    private final long gid;
    private final Path proxySocket;
    private final InetSocketAddress proxy;
    private final Path apiSocket;
    private final InetSocketAddress api;
    private final List<Isolation.Forward> forwards;

    private IsolatedRun(Path unshare, List<String> relayJava, long uid, long gid, Path proxySocket, InetSocketAddress proxy,
            Path apiSocket, InetSocketAddress api, List<Isolation.Forward> forwards) {
        this.unshare = unshare;
        this.relayJava = relayJava;
        this.uid = uid;
        this.gid = gid;
        this.proxySocket = proxySocket;
        this.proxy = proxy;
        this.apiSocket = apiSocket;
        this.api = api;
        this.forwards = forwards;
    }

    static IsolatedRun plan(Path unshare, Path dir, RunPreparation.Prepared prep, long[] ids) {
        Path proxySocket = dir.resolve("proxy.sock");
        Path apiSocket = dir.resolve("api.sock");
        List<Isolation.Forward> forwards = new ArrayList<>();
        forwards.add(new Isolation.Forward(Isolation.INNER_PROXY_HOST, prep.proxyPort(), proxySocket));
        List<Isolation.Forward> apiForwards = Isolation.apiForwards(prep.addr(), prep.proxyPort(), apiSocket);
        forwards.addAll(apiForwards);
        URI u = URI.create(prep.addr());
        String apiHost = u.getHost() == null ? "127.0.0.1" : u.getHost().replace("[", "").replace("]", "");
        int apiPort = apiForwards.isEmpty() ? 0 : apiForwards.getFirst().port();
        return new IsolatedRun(unshare, relayJava(), ids[0], ids[1], proxySocket,
                InetSocketAddress.createUnresolved(prep.proxyHost(), prep.proxyPort()), apiSocket,
                InetSocketAddress.createUnresolved(apiHost, apiPort), List.copyOf(forwards));
    }

    /** The JVM that runs {@link NamespaceInit}: this CLI's java and jar (or class path), small and quick to start. */
    private static List<String> relayJava() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        try {
            Path self = Path.of(NamespaceInit.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(self)) {
                cp = self.toString();
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall back to the class path
        }
        return List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED", "-cp", cp);
    }

    /** The argv that starts {@code program} isolated. */
    List<String> command(List<String> program) {
        return Isolation.command(unshare, relayJava, forwards, uid, gid, program);
    }

    /** {@code --print-env}'s comment lines: what the program can reach and the command that would run. */
    List<String> describe(List<String> program) {
        String reach = forwards.stream().map(f -> (f.host().contains(":") ? "[" + f.host() + "]" : f.host()) + ":" + f.port())
                .distinct().collect(Collectors.joining(", "));
        List<String> out = new ArrayList<>();
        out.add("# isolated: own user and network namespaces; the program can reach only " + reach
                + " on its loopback (relayed to the Keyway proxy " + proxy.getHostString() + ":" + proxy.getPort()
                + (forwards.size() > 1 ? " and API " + api.getHostString() + ":" + api.getPort() : "") + "); no DNS, no other interface");
        out.add("# command: " + command(program.isEmpty() ? List.of("CMD") : program).stream().map(IsolatedRun::quote)
                .collect(Collectors.joining(" ")));
        return out;
    }

    private static String quote(String s) {
        return s.matches("[A-Za-z0-9_./:=,@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** The relays outside the namespace; closing stops them (the run's directory, sockets included, is deleted by the caller). */
    record Outside(List<Relay> relays) implements AutoCloseable {
        @Override
        public void close() {
            relays.forEach(Relay::close);
        }
    }

    Outside startRelays() throws IOException {
        List<Relay> relays = new ArrayList<>();
        try {
            relays.add(Relay.start(listen(proxySocket), () -> dial(proxy), "keyway-isolate-proxy"));
            if (forwards.size() > 1) {
                relays.add(Relay.start(listen(apiSocket), () -> dial(api), "keyway-isolate-api"));
            }
        } catch (IOException e) {
            relays.forEach(Relay::close);
            throw e;
        }
        return new Outside(List.copyOf(relays));
    }

    private static ServerSocketChannel listen(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        l.bind(UnixDomainSocketAddress.of(socket), 128);
        return l;
    }

    private static SocketChannel dial(InetSocketAddress target) throws IOException {
        return SocketChannel.open(new InetSocketAddress(target.getHostString(), target.getPort()));
    }
}
