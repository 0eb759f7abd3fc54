package dev.keyway.core.service;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The tiny template language of header injection: {@code "token {GITHUB_TOKEN}"} means the literal
 * text {@code token } followed by the value of credential {@code GITHUB_TOKEN}. {@code {{} and
 * {@code }}} stand for literal braces. There is nothing else: no expressions, no filters, no
 * access to anything but named credentials, so a template can never reach Java objects.
 */
public final class ValueTemplate {

    /** One piece of a parsed template. */
    public sealed interface Part {
        /** Text copied verbatim. */
        record Literal(String text) implements Part {}

        /** The value of a credential, by name. */
        record Reference(String credential) implements Part {}
    }

    private ValueTemplate() {}

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException with a user-facing message naming the offending position
     */
    public static List<Part> parse(String format) {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        int n = format.length();
        while (i < n) {
            char c = format.charAt(i);
            if (c == '{') {
                if (i + 1 < n && format.charAt(i + 1) == '{') {
                    literal.append('{');
                    i += 2;
                    continue;
                }
                int close = format.indexOf('}', i + 1);
                if (close < 0) {
                    throw new IllegalArgumentException(
                            "unclosed '{' at position " + i + " (write '{{' for a literal brace)");
                }
                String name = format.substring(i + 1, close);
                if (!Names.isCredentialName(name)) {
                    throw new IllegalArgumentException("'{" + name + "}' at position " + i
                            + " is not a credential reference: credential names match "
                            + Names.CREDENTIAL_NAME.pattern() + " (write '{{' for a literal brace)");
                }
                if (!literal.isEmpty()) {
                    parts.add(new Part.Literal(literal.toString()));
                    literal.setLength(0);
                }
                parts.add(new Part.Reference(name));
                i = close + 1;
            } else if (c == '}') {
                if (i + 1 < n && format.charAt(i + 1) == '}') {
                    literal.append('}');
                    i += 2;
                    continue;
                }
                throw new IllegalArgumentException(
                        "unmatched '}' at position " + i + " (write '}}' for a literal brace)");
            } else {
                literal.append(c);
                i++;
            }
        }
        if (!literal.isEmpty()) {
            parts.add(new Part.Literal(literal.toString()));
        }
        return List.copyOf(parts);
    }

    /** The credentials a template references, in order of first use. */
    public static Set<String> credentialNames(String format) {
        Set<String> names = new LinkedHashSet<>();
        for (Part p : parse(format)) {
            if (p instanceof Part.Reference(String credential)) {
                names.add(credential);
            }
        }
        return names;
    }
}
