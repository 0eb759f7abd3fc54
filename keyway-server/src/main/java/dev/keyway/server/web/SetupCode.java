package dev.keyway.server.web;

import dev.keyway.core.fs.OwnerOnly;
import dev.keyway.server.api.IdentityRoutes;
import dev.keyway.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-time code that proves the person at the first-run page also controls the server: while
 * no user exists, start-up generates 80 random bits, prints them in the server's output and writes
 * them to {@code <data dir>/setup-code} (0600). A stranger who reaches the console over the network
 * before the operator cannot claim the instance without it. The code works once and disappears (file
 * included) when the owner exists, whether it was created in the console or with {@code keyway setup}.
 *
 * <p>The code is checked against the store, not against memory: the meta entry
 * {@value IdentityRoutes#META_SETUP_CODE} holds its SHA-256 (never the code) and the name of the node
 * that printed it, and creating the owner deletes that entry in the owner's own transaction. So on a
 * PostgreSQL cluster one code is valid on every node (a balancer may send the form to any of them),
 * and once the owner exists it is dead on every node at once. A single node makes a fresh code at
 * each start, as it always did; a cluster node keeps the code another node already made (it says
 * which node printed it) so that nodes starting one after the other do not invalidate each other's.
 * 80 random bits need no slow hash; guessing is also throttled per address, cluster-wide.
 */
final class SetupCode {
    private static final Logger log = LoggerFactory.getLogger(SetupCode.class);
    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".toCharArray();
    static final String FILE = "setup-code";

    private final Store store;
    private final AtomicReference<@Nullable String> code = new AtomicReference<>();
    private final Path file;

    private SetupCode(Store store, Path file) {
        this.store = store;
        this.file = file;
    }

    /**
     * Makes (or, on a cluster node, adopts) the code when the instance has no user yet, and logs
     * where to use it.
     *
     * @param clusterNode this node's name on a cluster, null on a single node
     */
    static SetupCode start(Store store, @Nullable String clusterNode, Path dataDir, String consoleUrl) {
        SetupCode s = new SetupCode(store, dataDir.resolve(FILE));
        if (!store.listUsers().isEmpty()) {
            s.deleteFile();
            return s;
        }
        String node = clusterNode == null ? "local" : clusterNode;
        String fresh = generate();
        if (clusterNode == null) {
            store.putMeta(IdentityRoutes.META_SETUP_CODE, entry(fresh, node)); // one node: a fresh code at each start
            s.adopt(fresh, consoleUrl);
            return s;
        }
        if (store.putMetaIfAbsent(IdentityRoutes.META_SETUP_CODE, entry(fresh, node))) {
            s.adopt(fresh, consoleUrl);
            return s;
        }
        String existing = store.meta(IdentityRoutes.META_SETUP_CODE).orElse("");
        String mine = s.readFile();
        if (mine != null && existing.startsWith(hash(mine) + " ")) { // this node printed it before a restart
            s.adopt(mine, consoleUrl);
            return s;
        }
        s.deleteFile();
        String by = existing.indexOf(' ') > 0 ? existing.substring(existing.indexOf(' ') + 1) : "another node";
        log.warn("First run: no owner yet. Open {}/setup and enter the setup code that node {} printed at its start (also in "
                + "the {} file of its data dir; it is valid on every node), or this node's local admin token.", consoleUrl, by, FILE);
        return s;
    }

    private void adopt(String c, String consoleUrl) {
        code.set(c);
        try {
            OwnerOnly.writeAtomically(file, c + "\n");
        } catch (IOException e) {
            log.warn("could not write {}: {}", file, e.toString());
        }
        log.warn("First run: no owner yet. Open {}/setup and enter the setup code {} (also in {}), or the local admin token.",
                consoleUrl, c, file);
    }

    /** The code while it is still usable and this node printed it, else null. */
    @Nullable String current() {
        String c = code.get();
        return c != null && store.meta(IdentityRoutes.META_SETUP_CODE).isPresent() ? c : null;
    }

    /**
     * Whether {@code presented} is the instance's live setup code (case, spaces and dashes ignored;
     * constant time), whichever node printed it.
     */
    boolean matches(@Nullable String presented) {
        if (presented == null) {
            return false;
        }
        String stored = store.meta(IdentityRoutes.META_SETUP_CODE).orElse("");
        int space = stored.indexOf(' ');
        if (space <= 0) {
            return false;
        }
        return MessageDigest.isEqual(stored.substring(0, space).getBytes(StandardCharsets.US_ASCII),
                hash(presented).getBytes(StandardCharsets.US_ASCII));
    }

    /** Forgets the code and deletes its file (the owner now exists; the store entry went with the owner's transaction). */
    void consume() {
        code.set(null);
        deleteFile();
    }

    private @Nullable String readFile() {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.US_ASCII).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void deleteFile() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("could not delete {}: {}", file, e.toString());
        }
    }

    private static String generate() {
        SecureRandom rnd = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if (i > 0 && i % 4 == 0) {
                b.append('-');
            }
            b.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
        }
        return b.toString();
    }

    /** The meta entry: the code's hash and the node that printed it. */
    private static String entry(String code, String node) {
        return hash(code) + " " + node;
    }

    /** SHA-256 (hex) of the normalized code. */
    static String hash(String code) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(normalize(code).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static String normalize(String s) {
        return s.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
    }
}
