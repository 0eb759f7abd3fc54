package dev.keyway.store.audit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import org.jspecify.annotations.Nullable;

/**
 * Checks the audit log's hash chain (see {@link AuditChain}) from a sequence number to the end,
 * across the rotated files and the current one, reading each file once front to back and holding
 * one line at a time. It never parses JSON: the chain covers the bytes as written, so it checks
 * bytes, which also makes it as strict as possible (a re-serialised record fails).
 *
 * <p>What it tells apart, at the first record where the chain breaks: an edited record (its chain
 * value does not match its bytes), removed records (the sequence jumps and the missing numbers
 * appear nowhere later), reordered records (out of order, or the missing numbers appear later), a
 * record or rotated file cut short (a partial line in the middle of the log, two records run
 * together, or a rotated file ending before the sequence number in its name), and lines that are not
 * records. A partial last line of the current file is a crash's torn write (or a batch being
 * written), reported in {@link AuditVerification#tornTailBytes()} and not as tampering.
 *
 * <p>Removing records from the very end of the current file leaves no trace in a chain by itself;
 * {@code docs/audit.md} says so.
 */
public final class AuditVerifier {
    /** Longer lines are reported as malformed instead of being buffered. */
    static final int MAX_LINE = 16 << 20;

    private static final byte[] SEQ_HEAD = "{\"seq\":".getBytes(StandardCharsets.US_ASCII);

    private final Path current;
    private final AuditChain chain;

    /** Verifies the log whose current file is {@code current}. */
    public AuditVerifier(Path current, AuditChain chain) {
        this.current = current.toAbsolutePath().normalize();
        this.chain = Objects.requireNonNull(chain, "chain");
    }

    /** Checks every record with {@code seq >= from} (1 for the whole log); the record before {@code from} anchors the chain. */
    public AuditVerification verify(long from) throws IOException {
        Run run = new Run(Math.max(1, from), chain.newMac());
        // Open the current file before listing rotated files (as queries do): a rotation meanwhile
        // then shows the file we hold among the rotated ones, and we read it only once.
        FileChannel cur = openCurrent();
        try {
            Object curKey = cur == null ? null : Files.readAttributes(current, BasicFileAttributes.class).fileKey();
            List<AuditSegments.Segment> rotated = new AuditSegments(current).list();
            List<Source> sources = new ArrayList<>();
            boolean currentRotated = false;
            for (AuditSegments.Segment s : rotated) {
                if (s.lastSeq() < run.from - 1) {
                    continue;
                }
                Object key = Files.readAttributes(s.file(), BasicFileAttributes.class).fileKey();
                currentRotated |= key != null && key.equals(curKey);
                sources.add(new Source(s.file(), s.lastSeq()));
            }
            for (int i = 0; i < sources.size() && run.broken == null; i++) {
                Source s = sources.get(i);
                try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.READ)) {
                    run.read(ch, s, sources.subList(i + 1, sources.size()), currentRotated ? null : cur);
                }
            }
            if (run.broken == null && cur != null && !currentRotated) {
                run.read(cur, new Source(current, -1), List.of(), null);
            }
        } finally {
            if (cur != null) {
                cur.close();
            }
        }
        return run.result();
    }

    private @Nullable FileChannel openCurrent() throws IOException {
        try {
            return FileChannel.open(current, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null; // a crash between rotation and creating the new file; the server creates it on open
        }
    }

    /**
     * A file to read; {@code lastSeq} is the number in a rotated file's name, -1 for the current file,
     * {@value #TABLE} for the rows of a table ({@link Feed}; {@code file} then only names them).
     */
    private record Source(Path file, long lastSeq) {
        static final long TABLE = -3;

        boolean rotated() {
            return lastSeq >= 0;
        }

        boolean table() {
            return lastSeq == TABLE;
        }

        String name() {
            return table() ? file.toString() : String.valueOf(file.getFileName());
        }
    }

    /**
     * The same checks over records that are not read from this node's files but fed one at a time,
     * in increasing {@code seq}: one node's records as the cluster-wide table holds them
     * ({@code keyway audit verify} on a cluster). Rows come ordered by their key, so records cannot
     * be reordered there: a gap is a removal. Breaks name {@code source} (e.g. {@code audit_records
     * node web-2}) with line 0.
     */
    public static final class Feed {
        private final Run run;
        private final Source src;

        Feed(AuditChain chain, String source, long from) {
            if (source.isBlank()) {
                throw new IllegalArgumentException("source must be named");
            }
            this.run = new Run(Math.max(1, from), chain.newMac());
            this.src = new Source(Path.of(source), Source.TABLE);
        }

        /**
         * Checks the next record (its line as written, without the newline). Feed records with
         * {@code seq >= from - 1} (the one before {@code from} anchors the chain). Returns false once
         * the chain is broken: feeding more changes nothing.
         */
        public boolean accept(byte[] line) throws IOException {
            if (run.broken != null) {
                return false;
            }
            if (line.length > MAX_LINE) {
                run.fail(run.prevSeq + 1, src, 0, AuditVerification.Kind.MALFORMED, "record longer than " + MAX_LINE + " bytes");
                return false;
            }
            if (!blank(line, line.length)) {
                run.process(line, line.length, src, 0, List.of(), null);
            }
            return run.broken == null;
        }

        /**
         * The outcome; {@code shippedUpTo} is the last record the node says the table holds (its
         * shipping cursor, read before the records were): records missing from the end of a node's
         * records that still has some are removals too (retention only ever deletes the oldest).
         */
        public AuditVerification result(long shippedUpTo) {
            AuditVerification v = run.result();
            if (v.state() == AuditVerification.State.INTACT && v.checked() > 0 && v.lastSeq() < shippedUpTo) {
                long missing = v.lastSeq() + 1;
                return new AuditVerification(AuditVerification.State.BROKEN, v.checked(), v.firstSeq(), v.lastSeq(), v.anchored(),
                        v.unchained(), 0, new AuditVerification.Break(missing, src.name(), 0, AuditVerification.Kind.REMOVED,
                                (missing == shippedUpTo ? "record " + missing + " is missing" : "records " + missing + " to "
                                        + shippedUpTo + " are missing") + " from the end (the node shipped up to record "
                                        + shippedUpTo + ")"));
            }
            return v;
        }
    }

    /** The state of one verification, front to back. */
    private static final class Run {
        final long from;
        final Mac mac;
        byte[] prev = AuditChain.genesis();
        final byte[] computed = new byte[AuditChain.MAC_LENGTH];
        long prevSeq = -1;
        long checked;
        long firstSeq;
        long lastSeq;
        boolean anchored;
        boolean chainedSeen;
        long unchained;
        long torn;
        AuditVerification.@Nullable Break broken;

        Run(long from, Mac mac) {
            this.from = from;
            this.mac = mac;
        }

        AuditVerification.@Nullable Break suspect;

        void fail(long seq, AuditVerification.Break at, AuditVerification.Kind kind, String detail) {
            broken = new AuditVerification.Break(seq, at.file(), at.line(), kind, detail);
        }

        AuditVerification result() {
            if (suspect != null) { // the mismatching record was the last one
                broken = suspect;
                suspect = null;
            }
            return new AuditVerification(broken == null ? AuditVerification.State.INTACT : AuditVerification.State.BROKEN,
                    checked, firstSeq, lastSeq, anchored, unchained, torn, broken);
        }

        /** Reads one file; {@code later} and {@code cur} are searched when a gap must be told from a reordering. */
        void read(FileChannel ch, Source src, List<Source> later, @Nullable FileChannel cur) throws IOException {
            long size = ch.size();
            Lines lines = new Lines(ch, size);
            long lineNo = 0;
            long lastInFile = -1;
            for (byte[] line = lines.next(); line != null; line = lines.next()) {
                lineNo++;
                int len = lines.length();
                if (len < 0) {
                    fail(prevSeq + 1, src, lineNo, AuditVerification.Kind.MALFORMED, "line longer than " + MAX_LINE + " bytes");
                    return;
                }
                if (blank(line, len)) {
                    continue;
                }
                long seq = process(line, len, src, lineNo, later, cur);
                if (broken != null) {
                    return;
                }
                lastInFile = seq;
            }
            if (lines.partial() > 0) {
                if (src.rotated()) {
                    fail(prevSeq + 1, src, lineNo + 1, AuditVerification.Kind.TRUNCATED,
                            "the rotated file ends in a partial record (" + lines.partial() + " bytes without a newline)");
                } else {
                    torn = lines.partial();
                }
                return;
            }
            if (src.rotated() && lastInFile >= from && suspect == null && lastInFile != src.lastSeq()) {
                if (lastInFile < src.lastSeq()) {
                    boolean moved = appearsLater(lastInFile + 1, later, cur, new Source(src.file(), -2));
                    fail(lastInFile + 1, src, lineNo + 1, moved ? AuditVerification.Kind.REORDERED : AuditVerification.Kind.TRUNCATED,
                            "the file ends at record " + lastInFile + " but was closed at record " + src.lastSeq()
                                    + " (its name says so): " + (moved ? "record " + (lastInFile + 1) + " was moved to a later place"
                                            : "records were cut from its end"));
                } else {
                    fail(lastInFile, src, lineNo, AuditVerification.Kind.EDITED, "the file was closed at record " + src.lastSeq()
                            + " (its name says so) but continues to record " + lastInFile);
                }
            }
        }

        /** Checks one line; returns its seq. */
        long process(byte[] line, int len, Source src, long lineNo, List<Source> later, @Nullable FileChannel cur) throws IOException {
            long seq = seqOf(line, len);
            if (seq < 0) {
                fail(prevSeq + 1, src, lineNo, AuditVerification.Kind.MALFORMED, "the line is not an audit record");
                return seq;
            }
            if (suspect != null) {
                // The previous record did not match its chain value. If the record after it is missing
                // too, bytes were cut out of the middle and the two records ran together; otherwise it
                // was edited.
                AuditVerification.Break s = suspect;
                suspect = null;
                boolean cut = seq == s.seq() + 2;
                fail(s.seq(), s, cut ? AuditVerification.Kind.TRUNCATED : AuditVerification.Kind.EDITED, cut
                        ? "the record is cut short and runs into record " + (s.seq() + 1) + " (bytes were cut out of the log)"
                        : s.detail());
                return seq;
            }
            byte[] c = AuditChain.chainOf(line, len);
            if (seq < from) { // before the range: only anchors the chain
                prev = c == null ? AuditChain.genesis() : c;
                prevSeq = seq;
                chainedSeen |= c != null;
                return seq;
            }
            if (indexOf(line, len, SEQ_HEAD, 1) >= 0) {
                fail(seq, src, lineNo, AuditVerification.Kind.TRUNCATED, "the record is cut short and runs into another one");
                return seq;
            }
            boolean first = prevSeq < 0;
            if (firstSeq == 0) {
                firstSeq = seq;
            }
            if (first) {
                if (seq != 1) {
                    anchored = true; // its predecessor is gone (rotated away, or before --from): trust it as the anchor
                }
            } else if (seq <= prevSeq) {
                fail(seq, src, lineNo, AuditVerification.Kind.REORDERED, "record " + seq + " comes after record " + prevSeq);
                return seq;
            } else if (seq != prevSeq + 1) {
                long missing = prevSeq + 1;
                boolean later1 = appearsLater(missing, later, cur, src);
                fail(missing, src, lineNo, later1 ? AuditVerification.Kind.REORDERED : AuditVerification.Kind.REMOVED,
                        later1 ? "record " + seq + " comes before record " + missing + ", which appears later"
                                : (seq - 1 == missing ? "record " + missing + " is missing" : "records " + missing + " to " + (seq - 1) + " are missing")
                                        + " (the log jumps from " + prevSeq + " to " + seq + ")");
                return seq;
            }
            if (c == null) {
                if (chainedSeen) {
                    boolean cut = line[len - 1] != '}';
                    fail(seq, src, lineNo, cut ? AuditVerification.Kind.TRUNCATED : AuditVerification.Kind.EDITED,
                            cut ? "the record is cut short" : "the record has no valid chain value, though earlier records do");
                    return seq;
                }
                unchained++;
                prev = AuditChain.genesis();
            } else {
                if (!(first && anchored)) {
                    AuditChain.link(mac, prev, line, 0, len - AuditChain.SUFFIX_LENGTH, computed);
                    if (!AuditChain.same(computed, c)) {
                        suspect = new AuditVerification.Break(seq, src.name(), lineNo, AuditVerification.Kind.EDITED,
                                "its chain value does not match its contents (the record or its chain value was changed)");
                        return seq;
                    }
                }
                prev = c;
                chainedSeen = true;
            }
            prevSeq = seq;
            lastSeq = seq;
            checked++;
            return seq;
        }

        /** Whether record {@code seq} appears in the rest of the current source or any later file. */
        boolean appearsLater(long seq, List<Source> later, @Nullable FileChannel cur, Source src) throws IOException {
            if (src.table()) {
                return false; // table rows come in seq order: a record missing here appears nowhere later
            }
            // the rest of the file being read is searched by re-reading it; this only runs once, on failure
            List<Path> files = new ArrayList<>();
            if (src.lastSeq() == -2) { // the rest of the log only, not the file just finished
                later.forEach(s -> files.add(s.file()));
                for (Path f : files) {
                    if (containsPath(f, seq)) {
                        return true;
                    }
                }
                return cur != null && contains(cur, seq);
            }
            if (src.rotated()) {
                files.add(src.file());
            }
            later.forEach(s -> files.add(s.file()));
            for (Path f : files) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    if (contains(ch, seq)) {
                        return true;
                    }
                }
            }
            if (cur != null) {
                return contains(cur, seq);
            }
            return !src.rotated() && Files.exists(src.file()) && containsPath(src.file(), seq);
        }

        private static boolean containsPath(Path f, long seq) throws IOException {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                return contains(ch, seq);
            }
        }

        private static boolean contains(FileChannel ch, long seq) throws IOException {
            Lines lines = new Lines(ch, ch.size());
            for (byte[] line = lines.next(); line != null; line = lines.next()) {
                if (lines.length() >= 0 && seqOf(line, lines.length()) == seq) {
                    return true;
                }
            }
            return false;
        }

        void fail(long seq, Source src, long lineNo, AuditVerification.Kind kind, String detail) {
            broken = new AuditVerification.Break(Math.max(seq, 0), src.name(), lineNo, kind, detail);
        }
    }

    /** The seq at the start of a line written by the log ({@code {"seq":N,}), or -1. */
    static long seqOf(byte[] line, int len) {
        if (len < SEQ_HEAD.length + 2 || !Arrays.equals(line, 0, SEQ_HEAD.length, SEQ_HEAD, 0, SEQ_HEAD.length)) {
            return -1;
        }
        long v = 0;
        int i = SEQ_HEAD.length;
        int digits = 0;
        for (; i < len && line[i] >= '0' && line[i] <= '9' && digits < 19; i++, digits++) {
            v = v * 10 + (line[i] - '0');
        }
        return digits == 0 || i >= len || (line[i] != ',' && line[i] != '}') ? -1 : v;
    }

    private static int indexOf(byte[] line, int len, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= len; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (line[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static boolean blank(byte[] line, int len) {
        for (int i = 0; i < len; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** The {@code \n}-terminated lines of {@code [0, size)}, front to back, reusing one buffer. */
    private static final class Lines {
        private final InputStream in;
        private long remaining;
        private byte[] buf = new byte[512];
        private int len;
        private long partial;

        Lines(FileChannel ch, long size) throws IOException {
            this.in = new BufferedInputStream(Channels.newInputStream(ch.position(0)), 64 * 1024);
            this.remaining = size;
        }

        /** The next complete line (its bytes are {@code [0, length())} of the array), or null at the end. */
        byte @Nullable [] next() throws IOException {
            len = 0;
            boolean tooLong = false;
            while (remaining > 0) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                remaining--;
                if (b == '\n') {
                    if (tooLong) {
                        len = -1;
                    }
                    return buf;
                }
                if (tooLong) {
                    continue;
                }
                if (len == buf.length) {
                    if (buf.length >= MAX_LINE) {
                        tooLong = true;
                        continue;
                    }
                    buf = Arrays.copyOf(buf, Math.min(MAX_LINE, buf.length * 2));
                }
                buf[len++] = (byte) b;
            }
            partial = tooLong ? MAX_LINE : len;
            return null;
        }

        /** Length of the line last returned; -1 when it was longer than {@link #MAX_LINE}. */
        int length() {
            return len;
        }

        /** Bytes after the last newline. */
        long partial() {
            return partial;
        }
    }
}
