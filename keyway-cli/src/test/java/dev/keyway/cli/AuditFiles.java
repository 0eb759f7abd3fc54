package dev.keyway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads {@code audit.jsonl} once it contains what a test waits for. Non-durable audit records
 * (proxy request and signing records) are written with the next batch, up to ~20 ms later, so a
 * test must not read the file right after the request completes.
 */
final class AuditFiles {
    private AuditFiles() {}

    static String await(Path dataDir, String... expected) throws IOException, InterruptedException {
        Path f = dataDir.resolve("audit.jsonl");
        long end = System.nanoTime() + 10_000_000_000L;
        String text = Files.readString(f);
        while (System.nanoTime() < end) {
            boolean all = true;
            for (String e : expected) {
                all &= text.contains(e);
            }
            if (all) {
                return text;
            }
            Thread.sleep(50); // polls the asynchronous audit writer
            text = Files.readString(f);
        }
        return text; // the caller's assertions report what is missing
    }
}
