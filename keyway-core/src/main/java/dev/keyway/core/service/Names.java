package dev.keyway.core.service;

import java.util.regex.Pattern;

/**
 * The two naming rules every part of Keyway shares: service names are URL- and file-friendly slugs,
 * credential names look like environment variables (because agents and users think of them as the
 * {@code OPENAI_API_KEY} they replace).
 */
public final class Names {
    /** Service (and template) names: lower-case slug, 1 to 63 characters. */
    public static final Pattern SERVICE_NAME = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,62}$");

    /** Credential names: upper-case environment-variable style, 1 to 128 characters. */
    public static final Pattern CREDENTIAL_NAME = Pattern.compile("^[A-Z][A-Z0-9_]{0,127}$");

    private Names() {}

    public static boolean isServiceName(String name) {
        return SERVICE_NAME.matcher(name).matches();
    }

    public static boolean isCredentialName(String name) {
        return CREDENTIAL_NAME.matcher(name).matches();
    }
}
