package dev.keyway.core.service;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled path glob that limits which request paths a service applies to.
 *
 * <p>Syntax: the glob starts with {@code /} and is split into segments at {@code /}.
 *
 * <ul>
 *   <li>A segment {@code **} matches zero or more whole segments: {@code /repos/**} matches
 *       {@code /repos}, {@code /repos/} and {@code /repos/a/b}.
 *   <li>A segment {@code *} matches exactly one non-empty segment: {@code /v1/*} matches {@code
 *       /v1/models} but not {@code /v1/} nor {@code /v1/a/b}.
 *   <li>{@code *} inside a segment matches any run of characters within that segment (never a
 *       {@code /}): {@code /files/*.json} matches {@code /files/a.json}; {@code /v*} matches
 *       {@code /v1}.
 *   <li>Every other character matches itself, case-sensitively (no {@code ?}, {@code [...]} or
 *       {@code {a,b}}). A trailing {@code /} is significant.
 * </ul>
 *
 * <p>The glob is matched against the raw path (without the query string), as the client sent it. A
 * path that tries to escape a prefix the upstream would normalise away (a {@code .} or {@code ..}
 * segment, raw or percent-encoded, an encoded {@code /} or {@code \}, or a backslash) matches no
 * glob, so path rules fail closed. Percent-encoded ordinary characters are not decoded, so {@code
 * /rep%6fs} does not match {@code /repos/**} either.
 */
public final class PathGlob {
    private static final int MAX_SEGMENTS = 64;

    private final String glob;
    private final Segment[] segments;
    private final int literalPrefixLength;
    /** How many {@code **} segments: with two or more, matching remembers failed states (see {@link Walk}). */
    private final int anySegments;

    private PathGlob(String glob, Segment[] segments) {
        this.glob = glob;
        this.segments = segments;
        int star = glob.indexOf('*');
        this.literalPrefixLength = star < 0 ? glob.length() : star;
        int any = 0;
        for (Segment seg : segments) {
            if (seg.kind == Segment.ANY_SEGMENTS) {
                any++;
            }
        }
        this.anySegments = any;
    }

    /**
     * Compiles a glob.
     *
     * @throws IllegalArgumentException with a user-facing message when the glob is invalid
     */
    public static PathGlob compile(String glob) {
        if (!glob.startsWith("/")) {
            throw new IllegalArgumentException("path '" + glob + "' must start with '/'");
        }
        if (glob.length() > 1024) {
            throw new IllegalArgumentException("path glob is longer than 1024 characters");
        }
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException(
                        "path '" + glob + "' contains a space, control or non-ASCII character (percent-encode it)");
            }
            if (c == '?' || c == '#') {
                throw new IllegalArgumentException(
                        "path '" + glob + "' contains '" + c + "'; paths match the path only, without query");
            }
            if (c == '\\') {
                throw new IllegalArgumentException("path '" + glob + "' contains a backslash");
            }
        }
        String[] parts = glob.substring(1).split("/", -1);
        if (parts.length > MAX_SEGMENTS) {
            throw new IllegalArgumentException("path '" + glob + "' has more than " + MAX_SEGMENTS + " segments");
        }
        List<Segment> segs = new ArrayList<>(parts.length);
        for (String p : parts) {
            if (p.equals(".") || p.equals("..")) {
                throw new IllegalArgumentException("path '" + glob + "' contains a '" + p + "' segment");
            }
            if (p.equals("**")) {
                segs.add(new Segment(Segment.ANY_SEGMENTS, p, new String[0]));
            } else if (p.contains("**")) {
                throw new IllegalArgumentException(
                        "path '" + glob + "': '**' must be a whole segment, as in /repos/**");
            } else if (p.equals("*")) {
                segs.add(new Segment(Segment.ONE_SEGMENT, p, new String[0]));
            } else if (p.indexOf('*') >= 0) {
                segs.add(new Segment(Segment.PATTERN, p, p.split("\\*", -1)));
            } else {
                segs.add(new Segment(Segment.LITERAL, p, new String[0]));
            }
        }
        return new PathGlob(glob, segs.toArray(Segment[]::new));
    }

    /** The glob text. */
    public String glob() {
        return glob;
    }

    /** Characters before the first wildcard (the whole glob when it has none): more = more specific. */
    public int literalPrefixLength() {
        return literalPrefixLength;
    }

    /**
     * Whether a request path (no query string) matches. Paths that do not start with {@code /} or
     * that contain dot segments or encoded separators never match (see the type's Javadoc).
     */
    public boolean matches(String path) {
        return isMatchablePath(path) && matchesMatchable(path);
    }

    /** {@link #matches} for a path already known to pass {@link #isMatchablePath}. */
    boolean matchesMatchable(String path) {
        return new Walk(path, anySegments >= 2).from(0, 1);
    }

    /** The number of matching steps {@link #matches} takes for {@code path} (tests: the work stays polynomial). */
    long steps(String path) {
        Walk w = new Walk(path, anySegments >= 2);
        w.from(0, 1);
        return w.steps;
    }

    /**
     * Whether a path can be matched against globs at all: it starts with {@code /} and contains no
     * {@code .}/{@code ..} segment (also as {@code %2e}), no {@code %2f}/{@code %5c} and no
     * backslash.
     */
    public static boolean isMatchablePath(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        int n = path.length();
        int segStart = 1;
        for (int i = 1; i <= n; i++) {
            char c = i < n ? path.charAt(i) : '/';
            if (c == '\\') {
                return false;
            }
            if (c == '%' && i + 2 < n) {
                char a = path.charAt(i + 1);
                char b = Character.toLowerCase(path.charAt(i + 2));
                if ((a == '2' && b == 'f') || (a == '5' && b == 'c')) {
                    return false;
                }
            }
            if (c == '/') {
                if (isDotSegment(path, segStart, i)) {
                    return false;
                }
                segStart = i + 1;
            }
        }
        return true;
    }

    private static boolean isDotSegment(String path, int start, int end) {
        int dots = 0;
        int i = start;
        while (i < end) {
            if (path.charAt(i) == '.') {
                i++;
            } else if (path.charAt(i) == '%' && i + 2 < end
                    && path.charAt(i + 1) == '2' && Character.toLowerCase(path.charAt(i + 2)) == 'e') {
                i += 3;
            } else {
                return false;
            }
            dots++;
        }
        return dots == 1 || dots == 2;
    }

    /**
     * One match of a path against the segments. The path comes from the agent, so the work must stay
     * bounded whatever it is: with several {@code **} segments a plain backtracking search tries
     * every way of splitting the path between them (found by the fuzz target: {@code /**}{@code /a/**}
     * {@code /**}... against a long path took minutes). A state is (segment index, path position), and
     * a state that failed once fails again, so failed states are remembered: at most
     * (segments + 1) x (path length + 2) states are ever expanded.
     */
    private final class Walk {
        private final String path;
        private final int n;
        private final java.util.@org.jspecify.annotations.Nullable BitSet failed;
        long steps;

        Walk(String path, boolean memo) {
            this.path = path;
            this.n = path.length();
            this.failed = memo ? new java.util.BitSet() : null;
        }

        /** Matches glob segments from {@code si} against the path from character {@code pos} (a segment start). */
        boolean from(int si, int pos) {
            steps++;
            int key = si * (n + 2) + pos;
            if (failed != null && failed.get(key)) {
                return false;
            }
            boolean ok = step(si, pos);
            if (!ok && failed != null) {
                failed.set(key);
            }
            return ok;
        }

        private boolean step(int si, int pos) {
            if (si == segments.length) {
                return pos > n;
            }
            if (pos > n) {
                // the path is used up; only ** segments may remain
                for (int k = si; k < segments.length; k++) {
                    if (segments[k].kind != Segment.ANY_SEGMENTS) {
                        return false;
                    }
                }
                return true;
            }
            int end = path.indexOf('/', pos);
            if (end < 0) {
                end = n;
            }
            Segment s = segments[si];
            if (s.kind == Segment.ANY_SEGMENTS) {
                // zero segments, or consume this one and stay on **
                return from(si + 1, pos) || from(si, end + 1);
            }
            return s.matches(path, pos, end) && from(si + 1, end + 1);
        }
    }

    @Override
    public String toString() {
        return glob;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PathGlob other && other.glob.equals(glob);
    }

    @Override
    public int hashCode() {
        return glob.hashCode();
    }

    private record Segment(int kind, String text, String[] pieces) {
        static final int LITERAL = 0;
        static final int ONE_SEGMENT = 1;
        static final int ANY_SEGMENTS = 2;
        static final int PATTERN = 3;

        boolean matches(String path, int start, int end) {
            int len = end - start;
            return switch (kind) {
                case LITERAL -> len == text.length() && path.startsWith(text, start);
                case ONE_SEGMENT -> len > 0;
                case PATTERN -> matchPattern(path, start, end);
                default -> false;
            };
        }

        /** Star-only glob within one segment: greedy leftmost matching is exact for '*' alone. */
        private boolean matchPattern(String path, int start, int end) {
            String first = pieces[0];
            String last = pieces[pieces.length - 1];
            if (end - start < first.length() + last.length()) {
                return false;
            }
            if (!path.startsWith(first, start) || !path.startsWith(last, end - last.length())) {
                return false;
            }
            int pos = start + first.length();
            int limit = end - last.length();
            for (int k = 1; k < pieces.length - 1; k++) {
                String piece = pieces[k];
                int found = indexOf(path, piece, pos, limit);
                if (found < 0) {
                    return false;
                }
                pos = found + piece.length();
            }
            return pos <= limit;
        }

        private static int indexOf(String path, String piece, int from, int limit) {
            for (int i = from; i + piece.length() <= limit; i++) {
                if (path.startsWith(piece, i)) {
                    return i;
                }
            }
            return -1;
        }
    }
}
