package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.local.ServerInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One server per data dir: a second one refuses to start and leaves the first's files alone. */
class DataDirLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondServerOnTheSameDataDirRefusesAndTheFirstKeepsItsServerJson() throws Exception {
        Path data = dir.resolve("data");
        try (TestServer first = TestServer.start(data)) {
            String info = Files.readString(data.resolve("server.json"));
            ServerInfo recorded = ServerInfo.read(data.resolve("server.json")).orElseThrow();
            assertThat(recorded.api()).isEqualTo(first.base());
            assertThat(recorded.pid()).isEqualTo(ProcessHandle.current().pid());

            assertThatThrownBy(() -> KeywayServer.start(ServerConfig.defaults(data).withPorts(0, 0)))
                    .isInstanceOf(DataDirLock.InUseException.class)
                    .hasMessageContaining("another Keyway server is already running on the data dir " + data.toAbsolutePath())
                    .hasMessageContaining("pid " + ProcessHandle.current().pid())
                    .hasMessageContaining("API " + first.base())
                    .hasMessageContaining("proxy 127.0.0.1:" + first.server.proxyPort());

            assertThat(data.resolve("server.json")).hasContent(info.strip());
            assertThat(first.call("GET", "/health", null).statusCode()).isEqualTo(200);
        }
        assertThat(data.resolve("server.json")).as("a clean stop removes its own record").doesNotExist();
        // the lock went with the first server: the data dir can be used again
        try (TestServer again = TestServer.start(data)) {
            assertThat(again.call("GET", "/health", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void serverInfoReadsOnlyWellFormedRecords() throws Exception {
        Path f = dir.resolve("server.json");
        assertThat(ServerInfo.read(f)).isEmpty();
        Files.writeString(f, "not json");
        assertThat(ServerInfo.read(f)).isEmpty();
        Files.writeString(f, "{\"api\":\"file:///etc/passwd\",\"proxy\":\"x:1\",\"pid\":1}");
        assertThat(ServerInfo.read(f)).isEmpty();
        ServerInfo.of("0.0.0.0", 19790, "::", 19791, 42).write(f);
        ServerInfo s = ServerInfo.read(f).orElseThrow();
        assertThat(s).isEqualTo(new ServerInfo("http://0.0.0.0:19790", "[::]:19791", 42));
        assertThat(s.clientApi()).isEqualTo("http://127.0.0.1:19790");
    }
}
