package dev.keyway.core.time;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints human durations like {@code 90s}, {@code 30m}, {@code 8h}, {@code 7d}, {@code 1h30m}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d|w)");

    private Durations() {}

    public static Duration parse(String field, String text) {
        if (text == null || text.isBlank()) {
            throw KeywayException.validation(field, field + " is empty; use e.g. 30m, 8h or 7d");
        }
        String s = text.strip().toLowerCase(java.util.Locale.ROOT);
        Matcher m = PART.matcher(s);
        Duration d = Duration.ZERO;
        int pos = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw KeywayException.validation(field, "cannot parse " + field + " '" + printable(text)
                        + "'; use a number with a unit: ms, s, m, h, d, w (e.g. 30m, 8h, 7d, 1h30m)");
            }
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            });
            pos = m.end();
        }
        return d;
    }

    public static String format(Duration d) {
        long s = d.toSeconds();
        if (s % 86400 == 0 && s > 0) {
            return s / 86400 + "d";
        }
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0 && s > 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    /**
     * User input echoed in a message: control characters replaced, length capped (the rule of the
     * server's {@code Names.printable}, which core cannot call; to be folded into one core helper).
     */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 80 ? b + "..." : b.toString();
    }
}
