package dev.keyway.store.audit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reading side of the audit log: crash recovery of the current file on open, and queries across
 * the rotated files and the current one as if they were one file. A query opens the current file
 * before listing the rotated ones, so a rotation during the query can only make a file appear twice
 * (skipped by sequence number), never make records disappear.
 */
final class AuditFile {
    private static final Logger LOG = LoggerFactory.getLogger(AuditFile.class);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private final Path file;
    private final JsonMapper mapper;
    private final AuditSegments segments;

    AuditFile(Path file, JsonMapper mapper) {
        this.file = file;
        this.mapper = mapper;
        this.segments = new AuditSegments(file);
    }

    /** The last sequence number of the newest rotated file (0 if none): numbering resumes there after a rotation. */
    long lastRotatedSeq() throws IOException {
        List<AuditSegments.Segment> all = segments.list();
        return all.isEmpty() ? 0 : all.getLast().lastSeq();
    }

    /**
     * Makes the file end on a clean line and returns the last sequence number in it (0 if none).
     * A crash (kill -9, power loss) can leave the last record half written: bytes after the last
     * newline are cut off (that record was never acknowledged as durable). Complete but unreadable
     * lines at the end are skipped with a warning.
     */
    long recover() throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long end = ReverseLines.endOfLastLine(ch, size);
            if (end < size) {
                LOG.warn("{}: removing {} bytes of a torn last record (the process died while writing it)",
                        file, size - end);
                ch.truncate(end);
                ch.force(true);
            }
            ReverseLines lines = new ReverseLines(ch, end);
            for (byte[] line = lines.next(); line != null; line = lines.next()) {
                if (blank(line)) {
                    continue;
                }
                Map<String, Object> rec = parse(line);
                if (rec != null && rec.get("seq") instanceof Long seq) {
                    return seq;
                }
                LOG.warn("{}: skipping an unreadable line near the end of the audit log", file);
            }
            return 0;
        }
    }

    /**
     * The chain value of the last record in the log (the current file, or the newest rotated file
     * when the current one is empty), or null when there is none or it is unchained. Call after
     * {@link #recover()}.
     */
    byte @Nullable [] lastChain() throws IOException {
        byte[] line = lastLine(file);
        if (line == null) {
            List<AuditSegments.Segment> all = segments.list();
            line = all.isEmpty() ? null : lastLine(all.getLast().file());
        }
        return line == null ? null : AuditChain.chainOf(line, line.length);
    }

    private static byte @Nullable [] lastLine(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ReverseLines lines = new ReverseLines(ch, ReverseLines.endOfLastLine(ch, ch.size()));
            for (byte[] line = lines.next(); line != null; line = lines.next()) {
                if (!blank(line)) {
                    return line;
                }
            }
            return null;
        }
    }

    List<Map<String, Object>> query(AuditQuery q) throws IOException {
        try (FileChannel current = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = ReverseLines.endOfLastLine(current, current.size()); // ignore a batch being written
            List<AuditSegments.Segment> rotated = segments.list();
            List<Map<String, Object>> out = new ArrayList<>();
            // the sequence numbers already passed, so a file seen twice (rotated meanwhile) is not repeated
            long[] bound = {q.newestFirst() ? Long.MAX_VALUE : q.sinceSeq()};
            if (q.newestFirst()) {
                if (newestFirst(current, end, q, out, bound)) {
                    return out;
                }
                for (AuditSegments.Segment s : rotated.reversed()) {
                    if (s.lastSeq() <= q.sinceSeq()) {
                        break;
                    }
                    try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.READ)) {
                        if (newestFirst(ch, ReverseLines.endOfLastLine(ch, ch.size()), q, out, bound)) {
                            return out;
                        }
                    }
                }
            } else {
                for (AuditSegments.Segment s : rotated) {
                    if (s.lastSeq() <= q.sinceSeq() || out.size() >= q.limit()) {
                        continue;
                    }
                    try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.READ)) {
                        oldestFirst(ch, ReverseLines.endOfLastLine(ch, ch.size()), q, out, bound);
                    }
                }
                oldestFirst(current, end, q, out, bound);
            }
            return out;
        }
    }

    /** Adds matches newest first; true when the query is complete (limit reached or {@code sinceSeq} passed). */
    private boolean newestFirst(FileChannel ch, long end, AuditQuery q, List<Map<String, Object>> out, long[] bound)
            throws IOException {
        ReverseLines lines = new ReverseLines(ch, end);
        for (byte[] line = lines.next(); line != null; line = lines.next()) {
            if (out.size() >= q.limit()) {
                return true;
            }
            Map<String, Object> rec = blank(line) ? null : parse(line);
            if (rec == null) {
                continue;
            }
            if (rec.get("seq") instanceof Long seq) {
                if (seq <= q.sinceSeq()) {
                    return true;
                }
                if (seq >= bound[0]) {
                    continue;
                }
                bound[0] = seq;
            }
            if (q.matches(rec)) {
                out.add(rec);
            }
        }
        return out.size() >= q.limit();
    }

    /** Adds matches oldest first, after {@code sinceSeq} and after what earlier files gave. */
    private void oldestFirst(FileChannel ch, long end, AuditQuery q, List<Map<String, Object>> out, long[] bound)
            throws IOException {
        InputStream in = new BufferedInputStream(Channels.newInputStream(ch.position(0)), 64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        long remaining = end;
        while (remaining > 0 && out.size() < q.limit()) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            remaining--;
            if (b != '\n') {
                line.write(b);
                continue;
            }
            byte[] bytes = line.toByteArray();
            line.reset();
            Map<String, Object> rec = blank(bytes) ? null : parse(bytes);
            if (rec != null && rec.get("seq") instanceof Long seq && seq > bound[0]) {
                bound[0] = seq;
                if (q.matches(rec)) {
                    out.add(rec);
                }
            }
        }
    }

    /**
     * Where the last {@link #raw} call stopped: the file's identity (inode), the sequence number of
     * the file's first line, the offset just after the last line the call passed and that line's
     * sequence number. The next call for later records starts there instead of reading the file from
     * its start again (the shipper asks for the next batch every few hundred records; reading from the
     * start made each batch cost the size of the file, quadratic over a segment). The inode follows
     * the file through a rotation (a rename), so a segment rotated while the shipper was inside it
     * resumes too; the first line's sequence number tells a recycled inode (a new file) apart.
     */
    private record RawResume(Object fileKey, long firstSeq, long offset, long seq) {}

    private volatile @Nullable RawResume rawResume;

    /** Bytes {@link #raw} has read from files so far: lets a test prove a batch does not re-read what the last one did. */
    private final java.util.concurrent.atomic.LongAdder rawBytesRead = new java.util.concurrent.atomic.LongAdder();

    long rawBytesRead() {
        return rawBytesRead.sum();
    }

    /**
     * Records with {@code afterSeq < seq <= upToSeq}, oldest first, as written; at most {@code max}
     * records and about {@code maxBytes} (always at least one when there is one). Rotated files
     * wholly at or before {@code afterSeq} are skipped; the current file is opened first, so a
     * rotation meanwhile repeats a file at worst (skipped by sequence number). Each file is read from
     * where the previous call stopped when that is safe ({@link RawResume}).
     */
    List<AuditLine> raw(long afterSeq, long upToSeq, int max, int maxBytes) throws IOException {
        List<AuditLine> out = new ArrayList<>();
        if (upToSeq <= afterSeq) {
            return out;
        }
        Object keyBefore = fileKey(file);
        FileChannel opened;
        try {
            opened = FileChannel.open(file, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException rotating) {
            opened = null; // between a rotation's rename and the new file: its records are in the newest segment
        }
        try (FileChannel current = opened) {
            Object key = current == null ? null : stillKey(file, keyBefore);
            long end = current == null ? 0 : ReverseLines.endOfLastLine(current, current.size());
            long[] state = {afterSeq, 0, 0}; // last seq taken, bytes taken, offset after the last line passed
            for (AuditSegments.Segment s : segments.list()) {
                if (s.lastSeq() <= state[0]) {
                    continue;
                }
                Object segBefore = fileKey(s.file());
                try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.READ)) {
                    if (resumedLines(ch, stillKey(s.file(), segBefore), ReverseLines.endOfLastLine(ch, ch.size()), upToSeq, max, maxBytes, out, state)) {
                        return out;
                    }
                }
            }
            if (current != null) {
                resumedLines(current, key, end, upToSeq, max, maxBytes, out, state);
            }
            return out;
        }
    }

    /** {@link #rawLines} from where the last call stopped in this file when that is safe, else from its start. */
    private boolean resumedLines(FileChannel ch, @Nullable Object key, long end, long upToSeq, int max, int maxBytes,
            List<AuditLine> out, long[] state) throws IOException {
        long firstSeq = key == null ? -1 : firstSeq(ch);
        RawResume r = rawResume;
        long from = key != null && r != null && key.equals(r.fileKey()) && r.firstSeq() == firstSeq && firstSeq > 0
                && r.seq() <= state[0] && r.offset() <= end ? r.offset() : 0;
        state[2] = from;
        boolean full = rawLines(ch, from, end, upToSeq, max, maxBytes, out, state, rawBytesRead);
        if (key != null && firstSeq > 0 && state[2] > from) {
            rawResume = new RawResume(key, firstSeq, state[2], state[0]); // every line before state[2] is at or below state[0]
        }
        return full;
    }

    /** The sequence number of the file's first line, or -1. */
    private static long firstSeq(FileChannel ch) throws IOException {
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(32);
        while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
            // a short read of a file being written: take what is there
        }
        return AuditLine.seqOf(head.array(), head.position());
    }

    /** {@code before} when {@code p} still has that inode (the channel just opened is the file it names), else null. */
    private static @Nullable Object stillKey(Path p, @Nullable Object before) {
        return before != null && before.equals(fileKey(p)) ? before : null;
    }

    private static @Nullable Object fileKey(Path p) {
        try {
            return java.nio.file.Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Adds lines of one file between {@code from} and {@code end}; true when the batch is full or
     * {@code upToSeq} was reached. {@code state[2]} becomes the offset just after the last line passed
     * (taken, or skipped as already seen). Reads 64 KiB at a time and splits at newlines.
     */
    private static boolean rawLines(FileChannel ch, long from, long end, long upToSeq, int max, int maxBytes,
            List<AuditLine> out, long[] state, java.util.concurrent.atomic.LongAdder bytesRead) throws IOException {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64 * 1024);
        ByteArrayOutputStream partial = new ByteArrayOutputStream(256);
        long pos = from;
        while (pos < end) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), end - pos));
            int n = ch.read(buf, pos);
            if (n <= 0) {
                break;
            }
            bytesRead.add(n);
            byte[] a = buf.array();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (a[i] != '\n') {
                    continue;
                }
                byte[] bytes;
                if (partial.size() > 0) {
                    partial.write(a, start, i - start);
                    bytes = partial.toByteArray();
                    partial.reset();
                } else {
                    bytes = java.util.Arrays.copyOfRange(a, start, i);
                }
                long next = pos + i + 1;
                start = i + 1;
                long seq = AuditLine.seqOf(bytes, bytes.length);
                if (seq <= state[0]) {
                    state[2] = next;
                    continue; // older, unreadable, or seen in a file listed twice
                }
                if (seq > upToSeq) {
                    return true;
                }
                if (!out.isEmpty() && (out.size() >= max || state[1] + bytes.length > maxBytes)) {
                    return true;
                }
                out.add(new AuditLine(seq, bytes));
                state[0] = seq;
                state[1] += bytes.length;
                state[2] = next;
            }
            partial.write(a, start, n - start);
            pos += n;
        }
        return out.size() >= max;
    }

    /** A record as readers see it: the chain value is the file's business, not the API's. */
    private @Nullable Map<String, Object> parse(byte[] line) {
        try {
            Map<String, Object> rec = mapper.readValue(line, MAP);
            rec.remove(AuditChain.FIELD);
            return rec;
        } catch (JacksonException e) {
            return null;
        }
    }

    private static boolean blank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
