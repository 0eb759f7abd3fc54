package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code keyway} shim a run puts first on the child's PATH: exact argv through sh, whatever the paths contain. */
class KeywayShimTest {

    @Test
    void theShimRunsTheGivenCommandWithClientOptionsAndPassesArgumentsThrough(@TempDir Path dir) throws Exception {
        Path odd = Files.createDirectories(dir.resolve("it's a $dir"));
        Path fakeJava = odd.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\n");
        fakeJava.toFile().setExecutable(true);
        Path bin = KeywayShim.write(odd, List.of(fakeJava.toString(), "-jar", odd.resolve("keyway.jar").toString()));
        assertThat(bin).isEqualTo(odd.resolve("bin"));

        ProcessBuilder pb = new ProcessBuilder(bin.resolve("keyway").toString(), "discover", "a b", "'q'", "$HOME");
        Path out = dir.resolve("out");
        pb.redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo(String.join("\n",
                "[-XX:TieredStopAtLevel=1]", "[-XX:+UseSerialGC]", "[--enable-native-access=ALL-UNNAMED]", "[-jar]",
                "[" + odd.resolve("keyway.jar") + "]", "[discover]", "[a b]", "['q']", "[$HOME]") + "\n");
    }

    @Test
    void itsDirectoryGoesFirstOnPath() {
        ChildEnv.Result env = new ChildEnv.Result(Map.of("KEYWAY_VAULT", "v"), List.of(), Map.of("PATH", "/usr/bin:/bin", "KEYWAY_VAULT", "v"));
        ChildEnv.Result with = KeywayShim.onPath(env, Path.of("/tmp/keyway-run-1/bin"));
        assertThat(with.full()).containsEntry("PATH", "/tmp/keyway-run-1/bin:/usr/bin:/bin").containsEntry("KEYWAY_VAULT", "v");
        assertThat(with.set()).containsEntry("PATH", "/tmp/keyway-run-1/bin:/usr/bin:/bin");
        ChildEnv.Result none = KeywayShim.onPath(new ChildEnv.Result(Map.of(), List.of(), Map.of()), Path.of("/x/bin"));
        assertThat(none.full()).containsEntry("PATH", "/x/bin:/usr/local/bin:/usr/bin:/bin");
    }
}
