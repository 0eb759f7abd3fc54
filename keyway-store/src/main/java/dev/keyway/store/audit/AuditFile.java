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

/** Reading side of the audit file: crash recovery on open, and queries. */
final class AuditFile {
    private static final Logger LOG = LoggerFactory.getLogger(AuditFile.class);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private final Path file;
    private final JsonMapper mapper;

    AuditFile(Path file, JsonMapper mapper) {
        this.file = file;
        this.mapper = mapper;
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

    List<Map<String, Object>> query(AuditQuery q) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = ReverseLines.endOfLastLine(ch, ch.size()); // ignore a batch being written
            return q.newestFirst() ? newestFirst(ch, end, q) : oldestFirst(ch, end, q);
        }
    }

    private List<Map<String, Object>> newestFirst(FileChannel ch, long end, AuditQuery q) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        ReverseLines lines = new ReverseLines(ch, end);
        for (byte[] line = lines.next(); line != null && out.size() < q.limit(); line = lines.next()) {
            Map<String, Object> rec = blank(line) ? null : parse(line);
            if (rec == null) {
                continue;
            }
            if (rec.get("seq") instanceof Long seq && seq <= q.sinceSeq()) {
                break;
            }
            if (q.matches(rec)) {
                out.add(rec);
            }
        }
        return out;
    }

    private List<Map<String, Object>> oldestFirst(FileChannel ch, long end, AuditQuery q) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
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
            if (rec != null && rec.get("seq") instanceof Long seq && seq > q.sinceSeq() && q.matches(rec)) {
                out.add(rec);
            }
        }
        return out;
    }

    private @Nullable Map<String, Object> parse(byte[] line) {
        try {
            return mapper.readValue(line, MAP);
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
