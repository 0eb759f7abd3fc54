package dev.keyway.server;

import dev.keyway.core.error.KeywayException;
import java.util.regex.Pattern;

/** Validation of user-chosen names, with messages that say what is allowed. */
public final class Names {
    private static final Pattern VAULT = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    private static final Pattern CREDENTIAL = Pattern.compile("^[A-Z][A-Z0-9_]{0,127}$");

    private Names() {}

    public static String vault(String name) {
        if (name == null || !VAULT.matcher(name).matches()) {
            throw KeywayException.validation("name", "invalid vault name '" + printable(name)
                    + "': use 1-63 lower-case letters, digits and '-', starting with a letter or digit");
        }
        return name;
    }

    public static String credential(String name) {
        if (name == null || !CREDENTIAL.matcher(name).matches()) {
            throw KeywayException.validation("name", "invalid credential name '" + printable(name)
                    + "': must match ^[A-Z][A-Z0-9_]*$ (e.g. OPENAI_API_KEY), at most 128 characters");
        }
        return name;
    }

    /** Echoes user input safely in a message: control characters replaced, length capped. */
    public static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 80 ? b + "..." : b.toString();
    }
}
