package dev.keyway.cli.run;

import dev.keyway.core.fs.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A {@code keyway} command for the wrapped program: agents, the Keyway skill and the server's hints
 * call {@code keyway} (discover, propose), which is often not on PATH (a checkout's {@code ./keyway}).
 * The shim runs the very java and jar the parent runs with, so the child always gets the same
 * version; its directory goes first on the child's PATH.
 */
public final class KeywayShim {
    /** The JVM options of a client command (start fast), as the launcher uses them. */
    static final List<String> CLIENT_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "--enable-native-access=ALL-UNNAMED");

    private KeywayShim() {}

    /**
     * Writes {@code dir/bin/keyway} (0700) running {@code command} (java, then its arguments, e.g.
     * {@code -jar keyway.jar}) with the client JVM options; returns the {@code bin} directory.
     */
    public static Path write(Path dir, List<String> command) throws IOException {
        Path bin = dir.resolve("bin");
        Files.createDirectories(bin);
        Path shim = bin.resolve("keyway");
        Files.writeString(shim, script(command), StandardCharsets.UTF_8);
        OwnerOnly.makeExecutable(shim);
        return bin;
    }

    /** The shim's text: {@code exec} of the quoted command, JVM options after the java binary. */
    static String script(List<String> command) {
        List<String> argv = new java.util.ArrayList<>();
        argv.add(command.getFirst());
        argv.addAll(CLIENT_JVM_OPTIONS);
        argv.addAll(command.subList(1, command.size()));
        return "#!/bin/sh\n# written by 'keyway run': the keyway CLI of the run that started this program\nexec "
                + argv.stream().map(KeywayShim::quote).collect(Collectors.joining(" ")) + " \"$@\"\n";
    }

    /** POSIX single quoting: nothing inside is interpreted. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** {@code env} with {@code dir} first on PATH (a default search path when the parent had none). */
    public static ChildEnv.Result onPath(ChildEnv.Result env, Path dir) {
        String old = env.full().get("PATH");
        String path = dir + ":" + (old == null || old.isEmpty() ? "/usr/local/bin:/usr/bin:/bin" : old);
        Map<String, String> set = new LinkedHashMap<>(env.set());
        set.put("PATH", path);
        Map<String, String> full = new LinkedHashMap<>(env.full());
        full.put("PATH", path);
        return new ChildEnv.Result(set, env.removed(), full);
    }
}
