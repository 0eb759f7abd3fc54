package dev.keyway.core.decoy;

import dev.keyway.core.inject.HttpHead;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Finds a vault's decoy values in a request. Built once per change of the vault's decoys (it is
 * part of the proxy's in-memory snapshot), so checking a request costs no database I/O: the head
 * is searched once (path, query, every header value, and the decoded user and password of a
 * {@code Basic} authorization), and the body through a {@link BodyScan} that sees it chunk by chunk
 * with a carry, so a decoy split across chunks is still found. Immutable and thread-safe; a
 * {@link BodyScan} is per request.
 */
public final class DecoyMatcher {
    /** The matcher of a vault without decoys: finds nothing, costs nothing. */
    public static final DecoyMatcher EMPTY = new DecoyMatcher(List.of());

    /**
     * One decoy as the matcher needs it. {@code toString()} leaves the value out (it is planted bait,
     * not a secret, but it stays out of logs so a log reader cannot replay it).
     */
    public record Decoy(String name, String value, boolean revokeOnUse) {
        public Decoy {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (value.length() < 8) {
                throw new IllegalArgumentException("a decoy value must be at least 8 characters");
            }
        }

        @Override
        public String toString() {
            return "Decoy[" + name + (revokeOnUse ? ", revoke-on-use" : "") + "]";
        }
    }

    /** Where in the request a decoy was found. */
    public enum Location {
        PATH, QUERY, HEADER, BODY;

        /** The lower-case word used in audit records, webhooks and messages. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A decoy found in a request.
     *
     * @param header the header's name for {@link Location#HEADER}, else null
     */
    public record Hit(Decoy decoy, Location location, @Nullable String header) {}

    private final List<Decoy> decoys;
    private final byte[][] bytes;
    /** Decoy indexes by first byte (values are ASCII, so 128 buckets), for the body scan. */
    private final int[][] byFirst;
    private final int maxLen;

    private DecoyMatcher(List<Decoy> decoys) {
        this.decoys = List.copyOf(decoys);
        this.bytes = new byte[this.decoys.size()][];
        List<List<Integer>> buckets = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            buckets.add(new ArrayList<>(0));
        }
        int max = 0;
        for (int i = 0; i < this.decoys.size(); i++) {
            bytes[i] = this.decoys.get(i).value().getBytes(StandardCharsets.UTF_8);
            buckets.get(bytes[i][0] & 0xff).add(i);
            max = Math.max(max, bytes[i].length);
        }
        this.byFirst = new int[256][];
        for (int i = 0; i < 256; i++) {
            byFirst[i] = buckets.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        this.maxLen = max;
    }

    /** A matcher for these decoys (empty list: {@link #EMPTY}). */
    public static DecoyMatcher of(List<Decoy> decoys) {
        return decoys.isEmpty() ? EMPTY : new DecoyMatcher(decoys);
    }

    public boolean isEmpty() {
        return decoys.isEmpty();
    }

    public List<Decoy> decoys() {
        return decoys;
    }

    /** The first decoy in the request head: path, then query, then headers in order. */
    public Optional<Hit> scan(HttpHead head) {
        if (decoys.isEmpty()) {
            return Optional.empty();
        }
        Decoy d = find(head.path());
        if (d != null) {
            return Optional.of(new Hit(d, Location.PATH, null));
        }
        String q = head.query();
        if (q != null && (d = find(q)) != null) {
            return Optional.of(new Hit(d, Location.QUERY, null));
        }
        for (HttpHead.Header h : head.headers()) {
            d = find(h.value());
            if (d == null && (h.lowerName().equals("authorization") || h.lowerName().equals("proxy-authorization"))) {
                d = findInBasic(h.value());
            }
            if (d != null) {
                return Optional.of(new Hit(d, Location.HEADER, h.name()));
            }
        }
        return Optional.empty();
    }

    /**
     * The first decoy in {@code s}, literally or percent-encoded (a client encodes {@code :} in a
     * query), or null.
     */
    public @Nullable Decoy find(String s) {
        for (Decoy d : decoys) {
            if (s.contains(d.value())) {
                return d;
            }
        }
        if (s.indexOf('%') >= 0) {
            String decoded = percentDecoded(s);
            if (!decoded.equals(s)) {
                for (Decoy d : decoys) {
                    if (decoded.contains(d.value())) {
                        return d;
                    }
                }
            }
        }
        return null;
    }

    private @Nullable Decoy findInBasic(String value) {
        String v = value.strip();
        if (!v.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            return find(new String(Base64.getDecoder().decode(v.substring(6).strip()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Percent-decoding of ASCII escapes only (decoy values are ASCII); a malformed escape is kept as is. */
    static String percentDecoded(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0 && hi < 8) {
                    sb.append((char) (hi * 16 + lo));
                    i += 2;
                    continue;
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** A fresh scanner for one request body. */
    public BodyScan bodyScan() {
        return new BodyScan();
    }

    /**
     * Streaming search of one request body: feed every chunk, in order, to {@link #update}. Up to
     * (longest decoy − 1) bytes of each chunk's tail are kept to find a decoy split across chunks.
     * Matching is on raw bytes: a compressed body is not searched. One per request, not thread-safe.
     */
    public final class BodyScan {
        private byte[] carry = new byte[0];
        private @Nullable Hit hit;

        private BodyScan() {}

        /** Searches the next chunk; the hit once one was found (then further chunks are not searched). */
        public Optional<Hit> update(byte[] chunk) {
            if (hit != null || decoys.isEmpty() || chunk.length == 0) {
                return Optional.ofNullable(hit);
            }
            byte[] data;
            if (carry.length == 0) {
                data = chunk;
            } else {
                data = Arrays.copyOf(carry, carry.length + chunk.length);
                System.arraycopy(chunk, 0, data, carry.length, chunk.length);
            }
            for (int i = 0; i < data.length; i++) {
                for (int k : byFirst[data[i] & 0xff]) {
                    byte[] p = bytes[k];
                    if (i + p.length <= data.length && regionEquals(data, i, p)) {
                        hit = new Hit(decoys.get(k), Location.BODY, null);
                        carry = new byte[0];
                        return Optional.of(hit);
                    }
                }
            }
            int keep = Math.min(data.length, maxLen - 1);
            carry = Arrays.copyOfRange(data, data.length - keep, data.length);
            return Optional.empty();
        }

        private static boolean regionEquals(byte[] data, int offset, byte[] p) {
            for (int k = 1; k < p.length; k++) {
                if (data[offset + k] != p[k]) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public String toString() {
        return "DecoyMatcher[" + decoys.size() + " decoys]";
    }
}
