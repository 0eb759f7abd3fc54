package dev.keyway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcSampleTest {

    @Test
    void statFieldsSkipACommandNameWithSpacesAndParentheses() {
        String[] f = ProcSample.statFields("42 (a b) c)) S 7 42 42 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 1");
        assertThat(f[0]).isEqualTo("S");
        assertThat(f[1]).isEqualTo("7");
        assertThat(f[11]).isEqualTo("150");
        assertThat(f[12]).isEqualTo("25");
    }

    @Test
    void treeIncludesAChildProcessAndItsMemory() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
        Process child = new ProcessBuilder("sleep", "60").start();
        try {
            long self = ProcessHandle.current().pid();
            assertThat(ProcSample.tree(self)).startsWith(self).contains(child.pid());
            ProcSample whole = ProcSample.read(self);
            ProcSample alone = ProcSample.read(child.pid());
            assertThat(whole).isNotNull();
            assertThat(alone).isNotNull();
            assertThat(whole.rssKb()).isGreaterThan(alone.rssKb());
            assertThat(whole.peakRssKb()).isGreaterThanOrEqualTo(whole.rssKb() - alone.rssKb());
        } finally {
            child.destroy();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessThatIsGoneHasNoSample() {
        assertThat(ProcSample.read(Long.MAX_VALUE)).isNull();
        assertThat(ProcSample.tree(Long.MAX_VALUE)).isEmpty();
    }
}
