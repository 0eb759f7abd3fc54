package dev.keyway.cli.run;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@code keyway run --isolate}: the decisions and the availability probe for running the program in
 * its own network namespace, where the only thing it can reach is the Keyway proxy relayed onto the
 * namespace's loopback ({@link NamespaceInit} inside, {@link Relay} on both sides of a Unix socket).
 *
 * <p>Why a user namespace too: it lets an unprivileged user create the network namespace where the
 * kernel allows it, and even when run as root the program ends up with no capability outside it, so
 * it cannot join the host's network namespace again. The program itself runs one user namespace
 * further down, mapped back to the caller's uid and gid: it keeps its identity and holds no
 * capability over the namespace's network (it cannot reconfigure the loopback or add interfaces).
 *
 * <p>Fail closed: when the probe fails, {@code --isolate} refuses to start anything; it never falls
 * back to an unisolated run.
 */
public final class Isolation {
    /** Where isolation stands on this machine. */
    public enum State {
        AVAILABLE,
        /** Network namespaces are a Linux feature. */
        NOT_LINUX,
        /** util-linux's {@code unshare} is not on PATH. */
        NO_UNSHARE,
        /** {@code unshare} ran but the kernel (a sysctl, AppArmor, seccomp, a container) refused the namespaces. */
        REFUSED
    }

    /** The probe's outcome: a state and, when unavailable, a message naming the cause and the fix. */
    public record Probe(State state, String detail, @Nullable Path unshare) {
        public boolean available() {
            return state == State.AVAILABLE;
        }
    }

    /** A listener inside the namespace ({@code host:port} on its loopback) relayed to the Unix socket {@code socket}. */
    public record Forward(String host, int port, Path socket) {
        /** {@code HOST:PORT=SOCKET}, the argument {@link NamespaceInit} parses ({@code [::1]:P} for IPv6). */
        public String argument() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "=" + socket;
        }

        static Forward parse(String arg) {
            int eq = arg.indexOf('=');
            int colon = arg.lastIndexOf(':', eq);
            if (eq < 0 || colon < 0) {
                throw new IllegalArgumentException("expected HOST:PORT=SOCKET, got " + arg);
            }
            String host = arg.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new Forward(host, Integer.parseInt(arg.substring(colon + 1, eq)), Path.of(arg.substring(eq + 1)));
        }
    }

    /** Where the program dials the proxy inside the namespace: the namespace's own loopback. */
    public static final String INNER_PROXY_HOST = "127.0.0.1";

    /** Variables the JVM itself reads: moved aside for the relay's JVM and restored for the program. */
    static final List<String> JVM_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
    static final String SAVED_PREFIX = "KEYWAY_ISOLATE_SAVED_";

    private Isolation() {}

    /** The first {@code unshare} on {@code PATH} (executable), or null. */
    public static @Nullable Path findUnshare(Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "unshare");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The real probe: creates the same namespaces a run would (user and network, then the program's
     * nested user namespace mapped back to {@code uid}/{@code gid}) around {@code /bin/sh -c :}.
     */
    public static Probe probe(Map<String, String> env, String osName, long uid, long gid) {
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return classify(osName, null, 0, "");
        }
        Path unshare = findUnshare(env);
        if (unshare == null) {
            return classify(osName, null, 0, "");
        }
        if (uid < 0 || gid < 0) {
            return classify(osName, unshare, -1, "cannot read this process's uid and gid from /proc/self");
        }
        List<String> cmd = new ArrayList<>(outer(unshare));
        cmd.addAll(inner(unshare, uid, gid));
        cmd.addAll(List.of("/bin/sh", "-c", ":"));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().clear();
            pb.environment().put("PATH", env.getOrDefault("PATH", "/usr/bin:/bin"));
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            byte[] err = p.getErrorStream().readNBytes(4096);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return classify(osName, unshare, -1, "unshare did not finish within 20 seconds");
            }
            return classify(osName, unshare, p.exitValue(), new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return classify(osName, unshare, -1, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return classify(osName, unshare, -1, "interrupted");
        }
    }

    /** Pure: the probe's outcome from what it saw ({@code unshare} null: not found; {@code exit} 0: worked). */
    public static Probe classify(String osName, @Nullable Path unshare, int exit, String stderr) {
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return new Probe(State.NOT_LINUX, "network isolation needs Linux network namespaces; this is " + osName, null);
        }
        if (unshare == null) {
            return new Probe(State.NO_UNSHARE, "'unshare' (util-linux) is not on PATH; install util-linux", null);
        }
        if (exit == 0) {
            return new Probe(State.AVAILABLE, "user and network namespaces work (" + unshare + ")", unshare);
        }
        String why = stderr.strip().lines().findFirst().orElse("exit status " + exit);
        String hint = why.contains("Operation not permitted") || why.contains("Permission denied")
                ? "; the kernel refuses unprivileged user namespaces here: check sysctl kernel.unprivileged_userns_clone=1,"
                        + " user.max_user_namespaces > 0, kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu 23.10+),"
                        + " or the container's seccomp profile"
                : why.contains("No space left") ? "; user.max_user_namespaces is exhausted or 0" : "";
        return new Probe(State.REFUSED, "cannot create user and network namespaces: " + why + hint, unshare);
    }

    /** The namespaces the relay runs in: a new user namespace (the caller mapped to its root) owning a new network namespace. */
    static List<String> outer(Path unshare) {
        return List.of(unshare.toString(), "--user", "--map-root-user", "--net", "--");
    }

    /** The program's own user namespace, nested, mapped back to the caller's ids: no capability over the network namespace. */
    static List<String> inner(Path unshare, long uid, long gid) {
        return List.of(unshare.toString(), "--user", "--map-user=" + uid, "--map-group=" + gid, "--");
    }

    /**
     * The whole command line: {@code unshare} (user + net) running {@code relayJava} (java and its
     * class path) on {@link NamespaceInit}, which brings the loopback up, relays {@code forwards}, and
     * runs {@code program} through the nested {@code unshare}.
     */
    public static List<String> command(Path unshare, List<String> relayJava, List<Forward> forwards, long uid, long gid,
            List<String> program) {
        List<String> cmd = new ArrayList<>(outer(unshare));
        cmd.addAll(relayJava);
        cmd.add(NamespaceInit.class.getName());
        for (Forward f : forwards) {
            cmd.add("--forward");
            cmd.add(f.argument());
        }
        cmd.add("--unshare");
        cmd.add(unshare.toString());
        cmd.add("--uid");
        cmd.add(Long.toString(uid));
        cmd.add("--gid");
        cmd.add(Long.toString(gid));
        cmd.add("--");
        cmd.addAll(program);
        return List.copyOf(cmd);
    }

    /** The relay JVM's environment: the program's, with the JVM's own option variables moved aside (restored for the program). */
    public static Map<String, String> relayEnvironment(Map<String, String> programEnv) {
        Map<String, String> env = new LinkedHashMap<>(programEnv);
        env.keySet().removeIf(k -> k.startsWith(SAVED_PREFIX));
        for (String v : JVM_VARIABLES) {
            String value = env.remove(v);
            if (value != null) {
                env.put(SAVED_PREFIX + v, value);
            }
        }
        return env;
    }

    /** The inverse of {@link #relayEnvironment}: what the program gets. */
    static Map<String, String> programEnvironment(Map<String, String> relayEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        relayEnv.forEach((k, v) -> {
            if (!k.startsWith(SAVED_PREFIX) && !JVM_VARIABLES.contains(k)) {
                env.put(k, v);
            }
        });
        for (String v : JVM_VARIABLES) {
            String saved = relayEnv.get(SAVED_PREFIX + v);
            if (saved != null) {
                env.put(v, saved);
            }
        }
        return env;
    }

    /**
     * The listeners the namespace needs besides the proxy: the API at {@code addr} when it is on this
     * machine's loopback (so the program's {@code keyway} CLI and skill work unchanged; {@code localhost}
     * gets both 127.0.0.1 and ::1). A remote API is not reachable from inside (no DNS, no route).
     */
    public static List<Forward> apiForwards(String addr, int proxyPort, Path socket) {
        URI u;
        try {
            u = URI.create(addr);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        String host = u.getHost();
        if (host == null) {
            return List.of();
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = u.getPort() > 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
        if (port == proxyPort) {
            return List.of();
        }
        if (host.equalsIgnoreCase("localhost")) {
            return List.of(new Forward("127.0.0.1", port, socket), new Forward("::1", port, socket));
        }
        if (host.equals("::1") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            return List.of(new Forward(host, port, socket));
        }
        return List.of();
    }

    /** The caller's uid and gid (the owner of {@code /proc/self}); {@code {-1,-1}} when they cannot be read. */
    public static long[] ids() {
        try {
            Path self = Path.of("/proc/self");
            return new long[] {((Number) Files.getAttribute(self, "unix:uid")).longValue(),
                ((Number) Files.getAttribute(self, "unix:gid")).longValue()};
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return new long[] {-1, -1};
        }
    }
}
