package dev.keyway.core.service;

import dev.keyway.core.error.KeywayException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The naming rules every part of Keyway shares, and the one way to echo untrusted text in a message.
 *
 * <p>Service, template and agent names are URL- and file-friendly slugs; vault names are slugs without
 * {@code _} and {@code .} (they appear in proxy user names and file names); credential names look like
 * environment variables (because agents and users think of them as the {@code OPENAI_API_KEY} they replace).
 * The server, the proxy policy and the CLI used to keep their own copies of these patterns and of
 * {@link #printable}; one definition keeps a rule change from reaching only some of them.
 */
public final class Names {
    /** Service (and template) names: lower-case slug, 1 to 63 characters. */
    public static final Pattern SERVICE_NAME = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,62}$");

    /** Agent names: the same slug rule as services. */
    public static final Pattern AGENT_NAME = SERVICE_NAME;

    /** Vault names: lower-case letters, digits and {@code -}, 1 to 63 characters. */
    public static final Pattern VAULT_NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    /** Credential names: upper-case environment-variable style, 1 to 128 characters. */
    public static final Pattern CREDENTIAL_NAME = Pattern.compile("^[A-Z][A-Z0-9_]{0,127}$");

    /** How much of untrusted input {@link #printable} echoes. */
    static final int PRINTABLE_MAX = 80;

    private Names() {}

    public static boolean isServiceName(String name) {
        return SERVICE_NAME.matcher(name).matches();
    }

    public static boolean isCredentialName(String name) {
        return CREDENTIAL_NAME.matcher(name).matches();
    }

    /**
     * Returns {@code name} if it is a valid vault name.
     *
     * @throws KeywayException of type {@code validation} (field {@code name}) saying what is allowed
     */
    public static String vault(@Nullable String name) {
        if (name == null || !VAULT_NAME.matcher(name).matches()) {
            throw KeywayException.validation("name", "invalid vault name '" + printable(name)
                    + "': use 1-63 lower-case letters, digits and '-', starting with a letter or digit");
        }
        return name;
    }

    /**
     * Returns {@code name} if it is a valid credential name.
     *
     * @throws KeywayException of type {@code validation} (field {@code name}) saying what is allowed
     */
    public static String credential(@Nullable String name) {
        if (name == null || !CREDENTIAL_NAME.matcher(name).matches()) {
            throw KeywayException.validation("name", "invalid credential name '" + printable(name)
                    + "': must match ^[A-Z][A-Z0-9_]*$ (e.g. OPENAI_API_KEY), at most 128 characters");
        }
        return name;
    }

    /**
     * Echoes user input safely in a message: control characters replaced by {@code ?}, at most 80 characters
     * (then {@code ...}); {@code null} is the empty string. Never use it on a secret: it shortens, it does not hide.
     */
    public static String printable(@Nullable String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < PRINTABLE_MAX; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > PRINTABLE_MAX ? b + "..." : b.toString();
    }
}
