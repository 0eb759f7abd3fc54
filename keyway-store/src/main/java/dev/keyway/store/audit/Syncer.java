package dev.keyway.store.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;

/** How the writer makes written bytes durable; a seam so tests can count, delay or fail syncs. */
@FunctionalInterface
interface Syncer {
    /** Production behaviour: {@code fdatasync}-like force of file content. */
    Syncer FORCE = ch -> ch.force(false);

    void force(FileChannel channel) throws IOException;
}
