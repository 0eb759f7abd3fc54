package dev.keyway.core.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class ThreadNiceTest {
    @Test
    @EnabledOnOs(OS.LINUX)
    void lowersOnlyTheCallingThread() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            boolean ok = ThreadNice.lower(7);
            seen.set(ok + " " + niceOf(Path.of("/proc/thread-self/stat")));
        });
        t.join();
        assertThat(seen.get()).isEqualTo("true 7");
        assertThat(niceOf(Path.of("/proc/thread-self/stat"))).isNotEqualTo(7); // this thread is untouched
    }

    @Test
    void refusesToRaisePriority() {
        assertThatThrownBy(() -> ThreadNice.lower(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThreadNice.lower(20)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Field 19 of /proc/.../stat is the nice value (after the parenthesised command name). */
    private static int niceOf(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[16]);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
