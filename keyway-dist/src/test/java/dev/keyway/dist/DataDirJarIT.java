package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One data dir, one server, with the real jar as separate processes: a second {@code keyway server}
 * on the same data dir refuses (exit 5, naming the first's pid and addresses) and leaves the first's
 * {@code server.json} alone; the CLI finds the server on non-default ports through that file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataDirJarIT {
    KeywayJar kw;
    Path data;
    KeywayJar.Server first;

    @BeforeAll
    void setUp() throws Exception {
        Path jar = Path.of(System.getProperty("keyway.jar", "target/keyway.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded jar (run via 'mvnw verify')").isRegularFile();
        Path work = jar.getParent().resolve("it-work").resolve("DataDirJarIT-" + System.currentTimeMillis());
        data = Files.createDirectories(work.resolve("data"));
        kw = new KeywayJar(jar, work.resolve("logs"));
        first = kw.startServer(data, "first");
    }

    @AfterAll
    void tearDown() throws InterruptedException {
        if (first != null && first.process().isAlive()) {
            KeywayJar.stop(first, false);
        }
    }

    @Test
    void aSecondServerRefusesTheDataDirAndTheCliFindsTheFirstThroughServerJson() throws Exception {
        KeywayJar.awaitLog(first, "Keyway is running");
        String info = Files.readString(data.resolve("server.json"));
        assertThat(info).contains(first.api()).contains("\"pid\":" + first.process().pid());

        int api = KeywayJar.freePort();
        int proxy = KeywayJar.freePort();
        var second = kw.cli("server", "--data-dir", data.toString(), "--api-addr", "127.0.0.1:" + api,
                "--proxy-addr", "127.0.0.1:" + proxy).expect(5);
        assertThat(second.err()).as(second.describe())
                .contains("another Keyway server is already running on the data dir " + data)
                .contains("pid " + first.process().pid()).contains("API " + first.api()).contains("proxy " + first.proxy())
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(data.resolve("server.json")).as("the first server's record is intact").hasContent(info.strip());
        assertThat(first.process().isAlive()).isTrue();

        // no --addr, no KEYWAY_ADDR (the harness strips KEYWAY_*): the recorded address is used
        var status = kw.cli("status", "--data-dir", data.toString()).ok();
        assertThat(status.out()).contains(data.toString());

        assertThat(KeywayJar.stop(first, false)).isEqualTo(143);
        assertThat(data.resolve("server.json")).as("a clean stop removes its own record").doesNotExist();
        var down = kw.cli("status", "--data-dir", data.toString(), "--addr", "http://127.0.0.1:" + KeywayJar.freePort());
        assertThat(down.code()).isEqualTo(2);
        // and the data dir is free again
        KeywayJar.Server again = kw.startServer(data, "again");
        assertThat(KeywayJar.stop(again, false)).isEqualTo(143);
    }
}
