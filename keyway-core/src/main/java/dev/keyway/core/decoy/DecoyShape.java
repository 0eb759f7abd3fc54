package dev.keyway.core.decoy;

import dev.keyway.core.service.PlaceholderFormat;
import dev.keyway.core.service.ServiceCatalog;
import dev.keyway.core.service.ServiceTemplate;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Makes a decoy value: random per decoy, and shaped like a real key so an agent (or whoever stole
 * it) cannot tell it from one. With a catalog template ({@code --like openai}) the value has the
 * shape of that template's placeholder, which is already built to pass the vendor SDK's local
 * checks: the same literal prefix ({@code sk-proj-}), the same length and the same alphabet per
 * position (digits stay digits, hex stays hex, separators stay). Without one it is 40 random
 * letters and digits. The catalog placeholders' recognisable fillers ("KeywayPlaceholder...", the
 * hex of "keyway-...") are never copied: a decoy must not announce itself.
 */
public final class DecoyShape {
    /** Length of a decoy made without a template. */
    public static final int PLAIN_LENGTH = 40;
    /** The shortest random part a decoy may have (so two decoys, or a decoy and real traffic, never collide by chance). */
    static final int MIN_RANDOM = 20;

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String HEX = "0123456789abcdef";
    private static final String DIGITS = "0123456789";
    private static final String FILL_MARKER = "KeywayPlaceholder";
    private static final String HEX_MARKER = HexFormat.of().formatHex("keyway-".getBytes(StandardCharsets.US_ASCII));

    private DecoyShape() {}

    /** The placeholder a decoy imitates: the first placeholder of the named catalog template, if it exists. */
    public static Optional<PlaceholderFormat> template(String name) {
        return ServiceCatalog.get(name).map(ServiceTemplate::placeholders).filter(p -> !p.isEmpty()).map(p -> p.getFirst());
    }

    /**
     * A fresh decoy value.
     *
     * @param like the placeholder to imitate, or null for a plain value
     * @param random the source of randomness (a {@code SecureRandom} in production)
     */
    public static String generate(@Nullable PlaceholderFormat like, RandomGenerator random) {
        if (like == null) {
            return randomOf(ALNUM, PLAIN_LENGTH, random);
        }
        String v = shaped(like.value(), random);
        if (randomChars(like.value()) < MIN_RANDOM) {
            // too little to randomise in the shape: a plain value is safer than a guessable one
            return randomOf(ALNUM, PLAIN_LENGTH, random);
        }
        return v;
    }

    /**
     * {@code placeholder} with its filler replaced: the literal prefix before the filler is kept
     * (runs of four or more {@code 0}, such as Slack's team and user ids, become random digits), and
     * the filler becomes random characters of its alphabet (lower-case hex when the filler is all
     * hex, letters and digits otherwise), keeping any {@code -}, {@code _}, {@code :} or {@code .} in place.
     */
    static String shaped(String placeholder, RandomGenerator random) {
        int at = fillerStart(placeholder);
        String alphabet = allHex(placeholder, at) ? HEX : ALNUM;
        StringBuilder sb = new StringBuilder(placeholder.length());
        for (int i = 0; i < placeholder.length(); i++) {
            char c = placeholder.charAt(i);
            if (i < at) {
                sb.append(c == '0' && inZeroRun(placeholder, i) ? DIGITS.charAt(random.nextInt(10)) : c);
            } else if (isSeparator(c)) {
                sb.append(c);
            } else {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        return sb.toString();
    }

    /** Where the catalog filler starts (0 when there is none: the whole value is shape only). */
    static int fillerStart(String placeholder) {
        int f = placeholder.indexOf(FILL_MARKER);
        int h = placeholder.indexOf(HEX_MARKER);
        if (f < 0 && h < 0) {
            return 0;
        }
        return f < 0 ? h : (h < 0 ? f : Math.min(f, h));
    }

    /** True when every non-separator character from {@code from} on is a lower-case hex digit. */
    private static boolean allHex(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isSeparator(c) && HEX.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /** True when position {@code i} is inside a run of at least four {@code 0}s (an id to randomise, not "api03"). */
    private static boolean inZeroRun(String s, int i) {
        int from = i;
        while (from > 0 && s.charAt(from - 1) == '0') {
            from--;
        }
        int to = i;
        while (to < s.length() && s.charAt(to) == '0') {
            to++;
        }
        return to - from >= 4;
    }

    private static int randomChars(String placeholder) {
        int n = 0;
        for (int i = fillerStart(placeholder); i < placeholder.length(); i++) {
            if (!isSeparator(placeholder.charAt(i))) {
                n++;
            }
        }
        return n;
    }

    private static boolean isSeparator(char c) {
        return c == '-' || c == '_' || c == ':' || c == '.';
    }

    private static String randomOf(String alphabet, int n, RandomGenerator random) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
