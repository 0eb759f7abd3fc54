package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The server chains its audit records with a key sealed under the master key (never in the clear
 * in the data dir), checks the newest records at start and logs the result: intact, or the record
 * where the chain breaks.
 */
class AuditChainStartTest {
    @TempDir
    Path dir;

    private static List<String> startLogged(Path dataDir) throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(AuditChainKey.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (TestServer ts = TestServer.start(dataDir)) {
            ts.call("POST", "/v1/vaults", "{\"name\":\"v" + System.nanoTime() + "\"}");
        } finally {
            logger.detachAppender(logged);
        }
        return logged.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    @Test
    void startLogsAnIntactChainThenTheBreakAfterAnEdit() throws Exception {
        assertThat(startLogged(dir)).anyMatch(l -> l.startsWith("INFO audit chain intact over the newest 0 records"));
        assertThat(startLogged(dir)).anyMatch(l -> l.matches("INFO audit chain intact over the newest \\d+ records \\(seq 1\\.\\.\\d+\\)"));

        // the key is sealed in the database, not written next to the log
        String sealed;
        try (var store = dev.keyway.store.sqlite.SqliteStore.open(dir.resolve("keyway.db"), java.time.Clock.systemUTC())) {
            sealed = store.meta(AuditChainKey.META).orElseThrow();
        }
        assertThat(java.util.Base64.getDecoder().decode(sealed).length).isGreaterThan(32); // nonce + ciphertext + tag

        Path log = dir.resolve("audit.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
        lines.remove(1); // record 2
        Files.writeString(log, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        assertThat(startLogged(dir)).anyMatch(l -> l.startsWith("ERROR audit chain BROKEN at record 2 (audit.jsonl line 2): removed: "));
    }
}
