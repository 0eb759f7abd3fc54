package dev.keyway.core.service;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The tiny template language of header injection: {@code "token {GITHUB_TOKEN}"} means the literal
 * text {@code token } followed by the value of credential {@code GITHUB_TOKEN}. {@code {{} and
 * {@code }}} stand for literal braces. Inside braces a composite {@link ValueExpression} is also
 * allowed ({@code "Basic {base64(JIRA_EMAIL + \":\" + JIRA_TOKEN)}"}); {@code {NAME}} keeps its
 * meaning (a {@link Part.Reference}). There is nothing else: no filters, no loops, no access to
 * anything but named credentials, so a template can never reach Java objects.
 */
public final class ValueTemplate {

    /** One piece of a parsed template. */
    public sealed interface Part {
        /** Text copied verbatim. */
        record Literal(String text) implements Part {}

        /** The value of a credential, by name. */
        record Reference(String credential) implements Part {}

        /** The value of a composite expression over credentials (never a bare credential: that is a Reference). */
        record Expression(ValueExpression expression) implements Part {}
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
                ValueExpression.Parsed parsed = ValueExpression.parseAt(format, i + 1);
                int close = parsed.end();
                if (close >= n) {
                    throw new IllegalArgumentException(
                            "unclosed '{' at position " + i + " (write '{{' for a literal brace)");
                }
                if (format.charAt(close) != '}') {
                    char bad = format.charAt(close);
                    throw new IllegalArgumentException("unexpected "
                            + (bad >= 0x20 && bad < 0x7f ? "'" + bad + "'" : String.format("character U+%04X", (int) bad))
                            + " at position " + close + ": expected '+' or the '}' closing the '{' at position " + i
                            + " (write '{{' for a literal brace)");
                }
                if (!literal.isEmpty()) {
                    parts.add(new Part.Literal(literal.toString()));
                    literal.setLength(0);
                }
                parts.add(parsed.expression() instanceof ValueExpression.Credential(String name)
                        ? new Part.Reference(name)
                        : new Part.Expression(parsed.expression()));
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

    /** The template text of {@code parts} (inverse of {@link #parse}, up to spacing inside expressions). */
    public static String format(List<Part> parts) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Part.Literal(String text) -> sb.append(text.replace("{", "{{").replace("}", "}}"));
                case Part.Reference(String credential) -> sb.append('{').append(credential).append('}');
                case Part.Expression(ValueExpression e) -> sb.append('{').append(e.source()).append('}');
            }
        }
        return sb.toString();
    }

    /** The credentials a template references, in order of first use. */
    public static Set<String> credentialNames(String format) {
        Set<String> names = new LinkedHashSet<>();
        for (Part p : parse(format)) {
            switch (p) {
                case Part.Reference(String credential) -> names.add(credential);
                case Part.Expression(ValueExpression e) -> names.addAll(e.credentialNames());
                case Part.Literal l -> {}
            }
        }
        return names;
    }
}
