package dev.keyway.core.aws;

import dev.keyway.core.error.KeywayException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long each assumed-role session lasts. STS accepts 15 minutes to 12 hours (and the role's own
 * maximum session duration, which only AssumeRole itself can check), so anything outside that
 * range is refused at grant time with a message that shows the range.
 *
 * <p>Accepted text: a number with units {@code h}, {@code m}, {@code s} ({@code 1h}, {@code 90m},
 * {@code 1h30m}, {@code 3600s}), a bare number of seconds ({@code 3600}, as STS's
 * {@code DurationSeconds}), or ISO-8601 ({@code PT1H}).
 */
public final class SessionDuration {
    public static final Duration MIN = Duration.ofMinutes(15);
    public static final Duration MAX = Duration.ofHours(12);
    public static final Duration DEFAULT = Duration.ofHours(1);
    /** The allowed range, as shown in messages. */
    public static final String RANGE = "15m to 12h (900 to 43200 seconds)";

    private static final Pattern PART = Pattern.compile("(\\d{1,9})([hms])");
    private static final String FIELD = "session_duration";

    private SessionDuration() {}

    /** Parses and validates; see the class doc for the accepted forms. */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw KeywayException.validation(FIELD, "the session duration is empty; use e.g. 1h (allowed: " + RANGE + ")");
        }
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("-")) {
            throw KeywayException.validation(FIELD, "the session duration '" + shown(text) + "' is negative; allowed: " + RANGE);
        }
        Duration d;
        if (s.chars().allMatch(Character::isDigit) && s.length() <= 9) {
            d = Duration.ofSeconds(Long.parseLong(s));
        } else if (s.startsWith("pt")) {
            try {
                d = Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw unparsable(text);
            }
        } else {
            d = units(s, text);
        }
        return validate(d);
    }

    /** Checks the range; returns {@code d}. */
    public static Duration validate(Duration d) {
        if (d.isNegative()) {
            throw KeywayException.validation(FIELD, "the session duration is negative; allowed: " + RANGE);
        }
        if (d.compareTo(MIN) < 0 || d.compareTo(MAX) > 0) {
            throw KeywayException.validation(FIELD, "the session duration " + format(d) + " is outside the allowed range "
                    + RANGE);
        }
        if (d.getNano() != 0) {
            throw KeywayException.validation(FIELD, "the session duration must be a whole number of seconds; allowed: " + RANGE);
        }
        return d;
    }

    /** {@code 1h}, {@code 90m}, {@code 1h30m}, {@code 45s}, {@code 0s}. */
    public static String format(Duration d) {
        long total = d.toSeconds();
        if (total <= 0) {
            return total + "s";
        }
        StringBuilder b = new StringBuilder();
        long h = total / 3600;
        long m = (total % 3600) / 60;
        long sec = total % 60;
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (sec > 0) {
            b.append(sec).append('s');
        }
        return b.toString();
    }

    private static Duration units(String s, String original) {
        Matcher m = PART.matcher(s);
        Duration d = Duration.ZERO;
        int pos = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw unparsable(original);
            }
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            });
            pos = m.end();
        }
        return d;
    }

    private static KeywayException unparsable(String text) {
        return KeywayException.validation(FIELD, "cannot parse the session duration '" + shown(text)
                + "'; use e.g. 1h, 90m or 3600 (allowed: " + RANGE + ")");
    }

    private static String shown(String s) {
        String t = s.strip();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < t.length() && i < 40; i++) {
            char c = t.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
