package dev.keyway.core.inject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The values Keyway injected into one request, in every form it sent them (raw, percent-encoded,
 * base64 inside {@code Basic}, JSON-escaped), each with what an echo of it in the response becomes:
 * the placeholder the client sent (substitution) or {@code [REDACTED:NAME]}. Built by the {@link
 * Injector} from exactly the values of <em>that</em> request, so the response scan looks for nothing
 * else and a request that got no credential costs nothing.
 *
 * <p>Why one object per request: the secret bytes are copies owned here and wiped by {@link
 * #close} when the exchange ends; the matching automaton ({@link EchoAutomaton}) is built on the
 * first {@link #stream()} and shared by the header and body scans of that response.
 * {@code toString()} never shows a value. Not thread-safe (one exchange, one event loop).
 */
public final class Redactions implements AutoCloseable {
    private static final Redactions NONE = new Redactions(List.of());

    /**
     * One form of an injected value and its replacement.
     *
     * @param value the bytes to find (secret; owned by the enclosing {@link Redactions})
     * @param replacement what each occurrence becomes (never secret)
     */
    public record Echo(byte[] value, byte[] replacement) {
        public Echo {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(replacement, "replacement");
            if (value.length == 0) {
                throw new IllegalArgumentException("an echo pattern is never empty");
            }
        }

        @Override
        public String toString() {
            return "Echo[" + value.length + " bytes -> " + new String(replacement, StandardCharsets.UTF_8) + "]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Echo e && Arrays.equals(value, e.value) && Arrays.equals(replacement, e.replacement);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value) * 31 + Arrays.hashCode(replacement);
        }
    }

    private final List<Echo> echoes;
    /** The shortest pattern's length (a value shorter than it cannot hold an occurrence). */
    private final int minLength;
    private EchoAutomaton automaton;
    private boolean closed;

    private Redactions(List<Echo> echoes) {
        this.echoes = echoes;
        int min = Integer.MAX_VALUE;
        for (Echo e : echoes) {
            min = Math.min(min, e.value().length);
        }
        this.minLength = echoes.isEmpty() ? 1 : min;
        this.automaton = EchoAutomaton.EMPTY;
    }

    /** Nothing to redact (no credential was injected). */
    public static Redactions none() {
        return NONE;
    }

    /**
     * The given echoes, deduplicated by value (the first replacement wins). Takes ownership of the
     * value arrays: they are wiped on {@link #close}.
     */
    public static Redactions of(List<Echo> echoes) {
        List<Echo> unique = new ArrayList<>(echoes.size());
        for (Echo e : echoes) {
            boolean dup = false;
            for (Echo u : unique) {
                if (Arrays.equals(u.value(), e.value())) {
                    dup = true;
                    break;
                }
            }
            if (dup) {
                Arrays.fill(e.value(), (byte) 0);
            } else {
                unique.add(e);
            }
        }
        return unique.isEmpty() ? NONE : new Redactions(List.copyOf(unique));
    }

    public boolean isEmpty() {
        return echoes.isEmpty();
    }

    /** How many patterns are scanned for (forms of values, after deduplication). */
    public int size() {
        return echoes.size();
    }

    /** The longest pattern: a stream holds back at most this minus one byte. */
    public int maxLength() {
        int m = 0;
        for (Echo e : echoes) {
            m = Math.max(m, e.value().length);
        }
        return m;
    }

    /** A fresh streaming scanner over these patterns (one per body or header value). */
    public StreamRedactor stream() {
        if (closed) {
            throw new IllegalStateException("redactions already wiped");
        }
        if (automaton == EchoAutomaton.EMPTY && !echoes.isEmpty()) {
            automaton = EchoAutomaton.build(echoes);
        }
        return new StreamRedactor(automaton);
    }

    /**
     * One header value with every echo replaced. Header values are bytes on the wire (ISO-8859-1
     * maps them one to one), so a value's encoded forms are found exactly as in a body.
     */
    public Scanned scan(String value) {
        if (echoes.isEmpty() || value.length() < minLength) {
            // shorter than every pattern (most response header values are): nothing to find, no copy
            return new Scanned(value, 0);
        }
        byte[] in = value.getBytes(StandardCharsets.ISO_8859_1);
        StreamRedactor r = stream();
        ByteSink.Growable out = new ByteSink.Growable(in.length + 16);
        r.update(in, 0, in.length, out);
        r.finish(out);
        Arrays.fill(in, (byte) 0);
        if (r.redactions() == 0) {
            out.wipe();
            return new Scanned(value, 0);
        }
        String s = new String(out.array(), 0, out.size(), StandardCharsets.ISO_8859_1);
        out.wipe();
        return new Scanned(s, r.redactions());
    }

    /** A scanned header value and how many occurrences were replaced in it. */
    public record Scanned(String value, int redactions) {}

    /** Wipes every value (and the automaton built from them); idempotent. */
    @Override
    public void close() {
        if (closed || this == NONE) {
            return;
        }
        closed = true;
        for (Echo e : echoes) {
            Arrays.fill(e.value(), (byte) 0);
        }
        if (automaton != EchoAutomaton.EMPTY) {
            automaton.wipe();
        }
    }

    @Override
    public String toString() {
        return "Redactions[" + echoes.size() + " patterns]";
    }
}
