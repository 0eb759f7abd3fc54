package dev.keyway.store.audit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The rotated files of one audit log: {@code <base>-<last seq, 19 digits>.jsonl} next to the
 * current file {@code <base>.jsonl}. The zero-padded last sequence number makes the names sort in
 * log order and lets a query skip whole files older than the records it wants.
 */
final class AuditSegments {
    /** A rotated file and the last sequence number it holds. */
    record Segment(Path file, long lastSeq) {}

    private final Path dir;
    private final String prefix;

    AuditSegments(Path current) {
        Path parent = current.getParent();
        this.dir = parent == null ? Path.of(".") : parent;
        String name = current.getFileName().toString();
        this.prefix = (name.endsWith(".jsonl") ? name.substring(0, name.length() - ".jsonl".length()) : name) + "-";
    }

    /** Where the current file goes when it is rotated with {@code lastSeq} as its last record. */
    Path rotatedName(long lastSeq) {
        return dir.resolve(prefix + String.format("%019d", lastSeq) + ".jsonl");
    }

    /** The rotated files, oldest first. */
    List<Segment> list() throws IOException {
        List<Segment> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*.jsonl")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                String digits = n.substring(prefix.length(), n.length() - ".jsonl".length());
                if (digits.length() == 19 && digits.chars().allMatch(Character::isDigit)) {
                    out.add(new Segment(p, Long.parseLong(digits)));
                }
            }
        }
        out.sort(Comparator.comparingLong(Segment::lastSeq));
        return out;
    }
}
