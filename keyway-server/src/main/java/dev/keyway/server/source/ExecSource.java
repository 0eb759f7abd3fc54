package dev.keyway.server.source;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code exec}: runs {@code --command ARGV...} with every {@code {ref}} in an argument replaced by
 * the reference, and uses its standard output, trimmed, as the value. This plugs in any CLI
 * ({@code op read}, {@code bws secret get}, {@code vault kv get -field}, {@code gcloud}).
 *
 * <p>No shell: the reference is one argument, never parsed, so it cannot inject a command. The
 * child gets a minimal environment ({@code PATH}, {@code HOME}, {@code LANG} and the variables the
 * source names with {@code --pass-env}), its stdin closed, a timeout (then it is killed), and at
 * most 64 KiB of output is read. A non-zero exit is {@code unavailable} with the first line of
 * stderr; stderr of a successful run goes to the log with every occurrence of the value removed.
 */
final class ExecSource implements SecretSource {
    private static final Logger log = LoggerFactory.getLogger(ExecSource.class);
    static final int MAX_OUTPUT = 64 * 1024;
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final List<String> argv;
    private final Duration timeout;
    private final List<String> passEnv;

    ExecSource(String name, List<String> argv, Duration timeout, List<String> passEnv) {
        if (argv.isEmpty() || argv.get(0).isBlank()) {
            throw new IllegalArgumentException("--command needs a program");
        }
        this.name = name;
        this.argv = List.copyOf(argv);
        this.timeout = timeout;
        this.passEnv = List.copyOf(passEnv);
    }

    @Override
    public void checkRef(String ref) throws SourceFailure {
        SecretSource.super.checkRef(ref);
        if (ref.chars().anyMatch(Character::isISOControl)) {
            throw new SourceFailure(SourceFailure.Kind.BAD_REF, "the reference may not contain control characters");
        }
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        checkRef(ref);
        List<String> cmd = new ArrayList<>(argv.size());
        for (String a : argv) {
            cmd.add(a.replace("{ref}", ref));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        Map<String, String> parent = Map.copyOf(env);
        env.clear();
        env.put("PATH", parent.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        for (String k : List.of("HOME", "LANG")) {
            if (parent.containsKey(k)) {
                env.put(k, parent.get(k));
            }
        }
        for (String k : passEnv) {
            if (parent.containsKey(k)) {
                env.put(k, parent.get(k));
            }
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "cannot run " + argv.get(0) + ": " + e.getMessage());
        }
        CompletableFuture<byte[]> out = read(p.getInputStream());
        CompletableFuture<byte[]> err = read(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, argv.get(0) + " did not finish within "
                        + timeout.toSeconds() + " s (killed)");
            }
            byte[] stdout = out.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            byte[] stderr = err.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (p.exitValue() != 0) {
                Arrays.fill(stdout, (byte) 0);
                throw new SourceFailure(p.exitValue() == 127 ? SourceFailure.Kind.UNAVAILABLE : SourceFailure.Kind.NOT_FOUND,
                        argv.get(0) + " exited with " + p.exitValue() + firstLine(stderr));
            }
            if (stdout.length > MAX_OUTPUT) {
                Arrays.fill(stdout, (byte) 0);
                throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, argv.get(0) + " printed more than " + MAX_OUTPUT + " bytes");
            }
            byte[] value = trim(stdout);
            if (stderr.length > 0) {
                log.info("source {}: {} wrote to stderr: {}", name, argv.get(0), scrub(stderr, value));
            }
            return new Fetched(value, "-");
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "cannot read the output of " + argv.get(0));
        }
    }

    private static CompletableFuture<byte[]> read(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                byte[] b = in.readNBytes(MAX_OUTPUT + 1);
                in.transferTo(java.io.OutputStream.nullOutputStream()); // drain so the child never blocks
                f.complete(b);
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private static String firstLine(byte[] stderr) {
        String s = new String(stderr, StandardCharsets.UTF_8).strip();
        int nl = s.indexOf('\n');
        if (nl >= 0) {
            s = s.substring(0, nl);
        }
        s = s.replaceAll("\\p{Cntrl}", "?");
        return s.isEmpty() ? "" : ": " + (s.length() > 200 ? s.substring(0, 200) + "..." : s);
    }

    /** Trims ASCII whitespace at both ends (a copy; wipes the original). */
    static byte[] trim(byte[] b) {
        int from = 0;
        int to = b.length;
        while (from < to && isSpace(b[from])) {
            from++;
        }
        while (to > from && isSpace(b[to - 1])) {
            to--;
        }
        byte[] out = Arrays.copyOfRange(b, from, to);
        Arrays.fill(b, (byte) 0);
        return out;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /** Stderr for the log with every occurrence of the value replaced (a CLI may echo what it printed). */
    static String scrub(byte[] stderr, byte[] value) {
        String s = new String(stderr, StandardCharsets.UTF_8);
        if (value.length > 0) {
            s = s.replace(new String(value, StandardCharsets.UTF_8), "[value removed]");
        }
        s = s.strip().replaceAll("\\p{Cntrl}", " ");
        return s.length() > 500 ? s.substring(0, 500) + "..." : s;
    }
}
