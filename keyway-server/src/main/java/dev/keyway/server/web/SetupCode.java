package dev.keyway.server.web;

import dev.keyway.core.local.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
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
 */
final class SetupCode {
    private static final Logger log = LoggerFactory.getLogger(SetupCode.class);
    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".toCharArray();
    static final String FILE = "setup-code";

    private final AtomicReference<@Nullable String> code = new AtomicReference<>();
    private final Path file;

    private SetupCode(Path file) {
        this.file = file;
    }

    /** Creates the code when the instance has no user yet (and logs where to use it). */
    static SetupCode start(boolean noUserYet, Path dataDir, String consoleUrl) {
        SetupCode s = new SetupCode(dataDir.resolve(FILE));
        if (!noUserYet) {
            s.deleteFile();
            return s;
        }
        SecureRandom rnd = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if (i > 0 && i % 4 == 0) {
                b.append('-');
            }
            b.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
        }
        s.code.set(b.toString());
        try {
            SecureFiles.writeAtomically(s.file, b + "\n");
        } catch (IOException e) {
            log.warn("could not write {}: {}", s.file, e.toString());
        }
        log.warn("First run: no owner yet. Open {}/setup and enter the setup code {} (also in {}), or the local admin token.",
                consoleUrl, b, s.file);
        return s;
    }

    /** The code while it is still usable, else null. */
    @Nullable String current() {
        return code.get();
    }

    /** Whether {@code presented} is the code (case, spaces and dashes ignored; constant time). */
    boolean matches(@Nullable String presented) {
        String c = code.get();
        if (c == null || presented == null) {
            return false;
        }
        String a = normalize(c);
        String b = normalize(presented);
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.UTF_8));
    }

    /** Burns the code (the owner now exists). */
    void consume() {
        code.set(null);
        deleteFile();
    }

    private void deleteFile() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("could not delete {}: {}", file, e.toString());
        }
    }

    private static String normalize(String s) {
        return s.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
    }
}
