package dev.keyway.core.service;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One header a {@link Injection.Headers} service sets on every matching request, e.g. name
 * {@code Authorization}, format {@code "token {GITHUB_TOKEN}"}. See {@link ValueTemplate} for the
 * format syntax.
 *
 * @param name header field name, any case (compared case-insensitively)
 * @param format the value template
 */
public record HeaderTemplate(String name, String format) {
    public HeaderTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
    }

    /** The parsed format; throws IllegalArgumentException if the format is invalid. */
    public List<ValueTemplate.Part> parts() {
        return ValueTemplate.parse(format);
    }

    /** Credentials the format references; throws IllegalArgumentException if the format is invalid. */
    public Set<String> credentialNames() {
        return ValueTemplate.credentialNames(format);
    }
}
