package dev.keyway.core.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The short run of a fuzz target inside the normal test suite: every file of its committed corpus
 * ({@code src/test/resources/fuzz/<TargetClass>/}, the inputs the long runs found interesting plus
 * hand-written seeds), then a bounded number of random mutations of them from a seeded generator.
 * The seed is printed in each case's name and can be fixed with {@code -Dseed=N} to repeat a run.
 */
public final class FuzzReplay {
    /** Random mutations per target in a normal test run. */
    public static final int MUTATIONS = 3_000;

    private FuzzReplay() {}

    /** The JUnit arguments {@code (name, input)} for one target class. */
    public static Stream<Arguments> inputs(Class<?> target) {
        return inputs(target, MUTATIONS);
    }

    /** As {@link #inputs(Class)}, with fewer mutations for a target whose executions are slow (file or socket I/O). */
    public static Stream<Arguments> inputs(Class<?> target, int mutationCount) {
        List<byte[]> corpus = corpus(target);
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            out.add(Arguments.of("corpus#" + i, corpus.get(i)));
        }
        long seed = Long.getLong("seed", System.nanoTime());
        RandomGenerator rnd = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        List<byte[]> seeds = corpus.isEmpty() ? List.of(new byte[0]) : corpus;
        List<byte[]> mutations = new ArrayList<>(mutationCount);
        for (int i = 0; i < mutationCount; i++) {
            mutations.add(mutate(seeds.get(rnd.nextInt(seeds.size())), rnd));
        }
        out.add(Arguments.of("mutations (seed=" + seed + ")", mutations));
        return out.stream();
    }

    /** Runs a target on one argument produced by {@link #inputs}: a single input or a batch. */
    @SuppressWarnings("unchecked")
    public static void run(Object input, java.util.function.Consumer<byte[]> target) {
        if (input instanceof byte[] one) {
            target.accept(one);
            return;
        }
        for (byte[] in : (List<byte[]>) input) {
            try {
                target.accept(in);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("fuzz target failed on input " + java.util.HexFormat.of().formatHex(in), e);
            }
        }
    }

    private static List<byte[]> corpus(Class<?> target) {
        URL dir = target.getResource("/fuzz/" + target.getSimpleName());
        if (dir == null) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.sorted().map(FuzzReplay::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A few byte-level edits in the manner of libFuzzer's mutators: flip, insert, erase, splice in interesting bytes. */
    private static byte[] mutate(byte[] seed, RandomGenerator rnd) {
        byte[] b = seed.clone();
        int edits = 1 + rnd.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int op = rnd.nextInt(4);
            if (b.length == 0 || op == 1) {
                byte[] ins = INTERESTING[rnd.nextInt(INTERESTING.length)];
                int at = b.length == 0 ? 0 : rnd.nextInt(b.length + 1);
                byte[] n = new byte[b.length + ins.length];
                System.arraycopy(b, 0, n, 0, at);
                System.arraycopy(ins, 0, n, at, ins.length);
                System.arraycopy(b, at, n, at + ins.length, b.length - at);
                b = n;
            } else if (op == 0) {
                b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
            } else if (op == 2) {
                int at = rnd.nextInt(b.length);
                int len = 1 + rnd.nextInt(Math.min(8, b.length - at));
                byte[] n = new byte[b.length - len];
                System.arraycopy(b, 0, n, 0, at);
                System.arraycopy(b, at + len, n, at, b.length - at - len);
                b = n;
            } else {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
        }
        return b;
    }

    private static final byte[][] INTERESTING = Stream.of(
                    "\0", "\r\n", "\r\n\r\n", ":", "/", "..", "%2f", "%2e", "\\", "*", "**", "[", "]", "@", "{", "}",
                    "0", "ffffffff", "-1", "65536", ";", "\"", " ", "\t", "Transfer-Encoding: chunked\r\n",
                    "Content-Length: 5\r\n", "Host: a\r\n", "xn--", "\u00e9", "\ud83d\ude00")
            .map(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .toArray(byte[][]::new);
}
